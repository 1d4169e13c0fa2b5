//! `mpbake cache du|prune`: what the local store holds, by kind, and emptying it (all of it, or
//! the least recently used part, as `buildx prune` does).

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;

use super::CacheWhat;
use crate::exec::cache_usage::{self, Item, Kind};
use crate::oci::store::Store;
use crate::publish::inspect::human;

/// Items and bytes per kind, then the total, as lines.
fn table(items: &[Item]) -> String {
    let mut kinds: std::collections::BTreeMap<Kind, (usize, u64)> = std::collections::BTreeMap::new();
    for item in items {
        let entry = kinds.entry(item.kind).or_default();
        entry.0 += 1;
        entry.1 += item.bytes;
    }
    let mut out = format!("{:<18}{:>8}{:>12}\n", "KIND", "ITEMS", "SIZE");
    for (kind, (count, bytes)) in &kinds {
        out.push_str(&format!("{:<18}{count:>8}{:>12}\n", kind.name(), human(*bytes)));
    }
    out.push_str(&format!("{:<18}{:>8}{:>12}\n", "total", items.len(), human(items.iter().map(|i| i.bytes).sum())));
    out
}

/// `--filter until=DURATION` (Go's form: 24h, 90m, 1h30m, 45s; also 7d).
fn until(filters: &[String]) -> Result<Option<Duration>, String> {
    let mut found = None;
    for filter in filters {
        let text = filter.strip_prefix("until=").ok_or_else(|| format!("unknown filter `{filter}` (until=DURATION)"))?;
        let mut total = 0u64;
        let mut number = String::new();
        for c in text.chars() {
            match c {
                '0'..='9' => number.push(c),
                's' | 'm' | 'h' | 'd' if !number.is_empty() => {
                    let unit = match c {
                        's' => 1,
                        'm' => 60,
                        'h' => 3600,
                        _ => 86400,
                    };
                    total += number.parse::<u64>().map_err(|e| e.to_string())? * unit;
                    number.clear();
                }
                _ => return Err(format!("`until={text}` is not a duration (24h, 90m, 1h30m, 7d)")),
            }
        }
        if !number.is_empty() || text.is_empty() {
            return Err(format!("`until={text}` is not a duration (24h, 90m, 1h30m, 7d)"));
        }
        found = Some(Duration::from_secs(total));
    }
    Ok(found)
}

/// On a terminal, asks before removing; elsewhere (scripts, CI) goes on.
fn confirmed(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return true;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}

pub fn run(what: CacheWhat) -> anyhow::Result<ExitCode> {
    let root = Store::default_root();
    match what {
        CacheWhat::Du => {
            println!("{}", root.display());
            print!("{}", table(&cache_usage::items(&root)));
        }
        CacheWhat::Prune { keep_storage, filter, force } => {
            let keep = match keep_storage.as_deref().map(crate::plan::parse_size).transpose() {
                Ok(keep) => keep,
                Err(e) => {
                    eprintln!("mpbake: --keep-storage: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let before = match until(&filter) {
                Ok(age) => age.map(|age| SystemTime::now() - age),
                Err(e) => {
                    eprintln!("mpbake: --filter: {e}");
                    return Ok(ExitCode::from(1));
                }
            };
            let everything = keep.is_none() && before.is_none();
            let question = match everything {
                true => format!("This removes everything in {}.", root.display()),
                false => format!("This removes the least recently used part of {}.", root.display()),
            };
            if !force && !confirmed(&format!("{question} Continue?")) {
                eprintln!("mpbake: nothing removed");
                return Ok(ExitCode::from(1));
            }
            // a killed build's mounts would make removing its directories fail half-way
            crate::exec::clean_leftovers(&root).with_context(|| format!("cleaning what a killed mpbake left in {}", root.display()))?;
            let lock = Store::lock_exclusive(&root).with_context(|| format!("locking {}", root.display()))?;
            let items = cache_usage::items(&root);
            let removed = match everything {
                true => {
                    Store::remove_all(&root).with_context(|| format!("pruning {}", root.display()))?;
                    items
                }
                false => cache_usage::prune(items, keep, before).with_context(|| format!("pruning {}", root.display()))?,
            };
            drop(lock);
            println!("removed from {}", root.display());
            print!("{}", table(&removed));
        }
    }
    Ok(ExitCode::SUCCESS)
}
