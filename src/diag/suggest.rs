//! "Did you mean" suggestions by edit distance; knows nothing of what the names are.

/// The closest candidate to `name`, if one is close enough to be a plausible typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lowered = name.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lowered, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(did_you_mean("platfroms", ["platforms", "tags"]), Some("platforms".into()));
        assert_eq!(did_you_mean("TAG", ["TAGS", "VERSION"]), Some("TAGS".into()));
        assert_eq!(did_you_mean("zzz", ["platforms", "tags"]), None);
    }
}
