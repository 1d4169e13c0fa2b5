//! Fuzzes the json front end: any bytes go through parsing, evaluation and rendering without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (sources, _spec, diags) = mpbake::frontend::evaluate_texts(&[("fuzz.json", text)], &Default::default());
        let _ = mpbake::diag::render_human(&diags.items, &sources, false);
    }
});
