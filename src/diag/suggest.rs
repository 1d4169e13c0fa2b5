//! "Did you mean" suggestions by edit distance; knows nothing of what the names are.

/// The closest candidate to `name`, if one is close enough to be a plausible typo, or one that
/// `name` extends or shortens by a word (`lowercase` for `lower`, `join` for `joinpath`).
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lowered = name.to_ascii_lowercase();
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let typo = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&lowered, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string());
    let affix = || {
        candidates
            .iter()
            .filter(|c| c.len() >= 3 && lowered.len() >= 3)
            .filter(|c| {
                let c = c.to_ascii_lowercase();
                lowered.starts_with(&c) || c.starts_with(&lowered)
            })
            .min_by_key(|c| c.len().abs_diff(lowered.len()))
            .map(|c| c.to_string())
    };
    typo.or_else(affix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("platfroms", ["platforms", "tags"]), Some("platforms".into()));
        assert_eq!(did_you_mean("TAG", ["TAGS", "VERSION"]), Some("TAGS".into()));
        assert_eq!(did_you_mean("zzz", ["platforms", "tags"]), None);
        assert_eq!(did_you_mean("lowercase", ["lower", "upper", "length"]), Some("lower".into()));
    }
}
