//! "Did you mean ...?": the closest name to a misspelt one.

/// The candidate closest to `name`, if one is close enough to be a likely typo:
/// equal ignoring case, or within an edit distance of a third of the name's length
/// (at least 1). Ties go to the earliest candidate. `name` itself is never suggested.
///
/// Candidates whose length differs by more than the limit are skipped unseen, and
/// the distance is the optimal-string-alignment one (transpositions count as one
/// edit), so a model with thousands of roles and many misspellings stays fast.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(1);
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        if candidate == name || candidate.chars().count().abs_diff(length) > limit {
            continue;
        }
        let same_ignoring_case = if name.is_ascii() && candidate.is_ascii() {
            candidate.eq_ignore_ascii_case(name)
        } else {
            candidate.to_lowercase() == lower
        };
        let distance = if same_ignoring_case {
            0
        } else {
            strsim::osa_distance(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `items` as an English list of code spans: "`a`, `b` and `c`".
pub fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| format!("`{i}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let roles = ["idle", "notFullyLoaded", "underloaded", "shutdown"];
        assert_eq!(closest("overloaded", roles), Some("underloaded"));
        assert_eq!(closest("idel", roles), Some("idle"));
        assert_eq!(closest("Shutdown", roles), Some("shutdown"));
        assert_eq!(closest("migrate", roles), None);
        assert_eq!(closest("idle", roles), None);
        assert_eq!(closest("x", ["y", "z"]), Some("y"));
    }

    #[test]
    fn prefers_the_nearest_candidate() {
        assert_eq!(
            closest("isOverLoadd", ["isUnderLoaded", "isOverLoaded"]),
            Some("isOverLoaded")
        );
    }

    #[test]
    fn lists_read_as_english() {
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&items(&["a"])), "`a`");
        assert_eq!(list(&items(&["a", "b", "c"])), "`a`, `b` and `c`");
    }
}
