//! Renders an image for people (like `docker buildx imagetools inspect`) or tools (JSON): the
//! index, then per platform the manifest, the config and the layers with sizes and media types.

use serde_json::{Value as Json, json};

use super::source::Image;

/// The JSON form.
pub fn to_json(image: &Image) -> Json {
    let platforms: Vec<Json> = image
        .platforms
        .iter()
        .map(|p| {
            json!({
                "platform": p.name(),
                "manifest": {"digest": p.manifest_digest.to_string(), "size": p.manifest_bytes.len(),
                    "mediaType": p.manifest["mediaType"]},
                "config": {"digest": p.config_digest.to_string(), "os": p.config["os"], "architecture": p.config["architecture"],
                    "variant": p.config["variant"], "created": p.config["created"], "config": p.config["config"]},
                "layers": p.layers.iter().map(|l| json!({"digest": l.digest.to_string(), "size": l.size, "mediaType": l.media_type}))
                    .collect::<Vec<_>>(),
                "size": p.layers.iter().map(|l| l.size).sum::<u64>(),
            })
        })
        .collect();
    json!({"digest": image.digest.to_string(), "mediaType": image.media_type, "size": image.bytes.len(), "platforms": platforms})
}

/// The text form.
pub fn to_text(name: &str, image: &Image) -> String {
    let mut out = format!("Name:      {name}\nMediaType: {}\nDigest:    {}\n", image.media_type, image.digest);
    for p in &image.platforms {
        let total: u64 = p.layers.iter().map(|l| l.size).sum();
        out.push_str(&format!(
            "\nPlatform:  {}\n  Manifest: {} ({} bytes)\n  Config:   {} ({}/{}{})\n  Layers:   {} ({})\n",
            p.name(),
            p.manifest_digest,
            p.manifest_bytes.len(),
            p.config_digest,
            p.config["os"].as_str().unwrap_or("?"),
            p.config["architecture"].as_str().unwrap_or("?"),
            p.config["variant"].as_str().map(|v| format!("/{v}")).unwrap_or_default(),
            p.layers.len(),
            human(total),
        ));
        for l in &p.layers {
            out.push_str(&format!("    {}  {:>10}  {}\n", l.digest, human(l.size), l.media_type));
        }
    }
    out
}

/// Bytes for people: B, kB, MB, GB (powers of 1000).
pub fn human(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.1} kB", b as f64 / 1e3),
        b if b < 1_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b => format!("{:.2} GB", b as f64 / 1e9),
    }
}
