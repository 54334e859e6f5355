//! Maven version order: `org.apache.maven.artifact.versioning.ComparableVersion`.
//!
//! [`compare`] (used by [`crate::Scheme::Maven`]) follows maven-artifact 3.8.6, the release
//! osv-scalibr's Maven vectors were generated with; [`compare_387`] follows 3.8.7, which changed
//! where a qualifier after `.` goes (MNG-7644) and was checked against 10,000 pairs labelled by
//! that release's own class.
//!
//! The version is lowercased and split into items at `.`, at `-` (which opens a sub-list) and at
//! every switch between digits and non-digits (which also opens a sub-list). Numbers compare
//! numerically (no size limit); qualifiers order `alpha` < `beta` < `milestone` < `rc` (= `cr`) <
//! `snapshot` < `` (= `ga`, `final`, `release`) < `sp` < any other qualifier (alphabetically);
//! `a`, `b`, `m` right before a digit mean `alpha`, `beta`, `milestone`. Trailing "null" items (`0`,
//! the empty qualifier, empty lists) are dropped from each list, stepping over non-null sub-lists,
//! so `1.0.0` = `1`. Between kinds: number > list > qualifier. A missing item compares as null: a
//! number is above it unless 0, a qualifier by its rank against the release (`1-sp` > `1` >
//! `1-rc`), and a list by its items in turn (MNG-6964).
//!
//! Like Maven's, this order is not transitive on some odd strings (`.` < `patchalpha` <
//! `00cr10-rpost` < `.`); it is kept as Maven has it. Only ASCII digits count as digits (Java's
//! `Character.isDigit` also takes other Unicode digits).

use std::cmp::Ordering;

use crate::num_cmp;
use crate::semver::strip_zeros;

/// An item; sub-lists are indices into the version's arena of lists, so that neither dropping nor
/// comparing a deeply nested version recurses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item<'a> {
    Int(&'a str),
    Str(&'a str),
    List(usize),
}

/// A parsed version: `lists[0]` is the top-level list.
#[derive(Debug)]
struct Tree<'a> {
    lists: Vec<Vec<Item<'a>>>,
}

const QUALIFIERS: &[&str] = &["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

/// `comparableQualifier` order: the rank for known qualifiers, after them unknown ones by text.
fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    let rank = |q: &str| QUALIFIERS.iter().position(|k| *k == q);
    match (rank(a), rank(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        // Java compares `7-a` with `7-b`: the same as comparing the qualifiers (UTF-16 order,
        // which matches UTF-8 byte order outside the surrogate range).
        (None, None) => a.cmp(b),
    }
}

fn string_item(v: &str, followed_by_digit: bool) -> Item<'_> {
    Item::Str(match v {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        v => v,
    })
}

fn parse_item(is_digit: bool, buf: &str) -> Item<'_> {
    if is_digit {
        Item::Int(strip_zeros(buf))
    } else {
        string_item(buf, false)
    }
}

impl<'a> Tree<'a> {
    fn is_null(&self, it: Item<'a>) -> bool {
        match it {
            Item::Int(n) => n == "0",
            Item::Str(s) => s.is_empty(),
            Item::List(k) => self.lists[k].is_empty(),
        }
    }

    /// `item.compareTo(null)`. A list compares each of its items with null in turn (MNG-6964),
    /// walked with an explicit stack.
    fn cmp_null(&self, it: Item<'a>) -> Ordering {
        let scalar = |it: Item<'a>| match it {
            Item::Int("0") => Ordering::Equal,
            Item::Int(_) => Ordering::Greater,
            Item::Str(s) => cmp_qualifiers(s, ""),
            Item::List(_) => Ordering::Equal,
        };
        let Item::List(k) = it else {
            return scalar(it);
        };
        let mut stack = vec![(k, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (list, idx) = *top;
            let Some(&item) = self.lists[list].get(idx) else {
                stack.pop();
                continue;
            };
            top.1 += 1;
            match item {
                Item::List(j) => stack.push((j, 0)),
                _ => match scalar(item) {
                    Ordering::Equal => {}
                    o => return o,
                },
            }
        }
        Ordering::Equal
    }
}

/// `ListItem.compareTo(ListItem)` of the two top-level lists, walked with an explicit stack.
fn cmp_trees(ta: &Tree<'_>, tb: &Tree<'_>) -> Ordering {
    let mut stack: Vec<(usize, usize, usize)> = vec![(0, 0, 0)];
    while let Some(top) = stack.last_mut() {
        let (la, lb, k) = *top;
        let (a, b) = (&ta.lists[la], &tb.lists[lb]);
        if k >= a.len().max(b.len()) {
            stack.pop();
            continue;
        }
        top.2 += 1;
        let o = match (a.get(k).copied(), b.get(k).copied()) {
            (None, None) => Ordering::Equal,
            (None, Some(r)) => tb.cmp_null(r).reverse(),
            (Some(l), None) => ta.cmp_null(l),
            (Some(Item::List(x)), Some(Item::List(y))) => {
                stack.push((x, y, 0));
                continue;
            }
            (Some(Item::Int(x)), Some(Item::Int(y))) => num_cmp(x, y),
            (Some(Item::Int(_)), Some(_)) => Ordering::Greater,
            (Some(Item::Str(x)), Some(Item::Str(y))) => cmp_qualifiers(x, y),
            (Some(Item::Str(_)), Some(_)) => Ordering::Less,
            (Some(Item::List(_)), Some(Item::Int(_))) => Ordering::Less,
            (Some(Item::List(_)), Some(Item::Str(_))) => Ordering::Greater,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// Builds the item tree as `ComparableVersion.parseVersion` does; `mng7644` selects the 3.8.7
/// change that puts a qualifier after `.` into its own sub-list, as after `-`.
fn parse(lower: &str, mng7644: bool) -> Tree<'_> {
    let chars: Vec<(usize, char)> = lower.char_indices().collect();
    let byte_at = |ci: usize| chars.get(ci).map_or(lower.len(), |&(b, _)| b);
    let sub = |from: usize, to: usize| &lower[byte_at(from)..byte_at(to)];

    let mut t = Tree {
        lists: vec![Vec::new()],
    };
    let mut cur = 0usize;
    let mut is_digit = false;
    let mut start = 0usize;
    let open = |t: &mut Tree<'_>, cur: &mut usize| {
        t.lists.push(Vec::new());
        let k = t.lists.len() - 1;
        t.lists[*cur].push(Item::List(k));
        *cur = k;
    };
    for (i, &(_, c)) in chars.iter().enumerate() {
        if c == '.' || c == '-' {
            let it = if i == start {
                Item::Int("0")
            } else {
                parse_item(is_digit, sub(start, i))
            };
            t.lists[cur].push(it);
            start = i + 1;
            if c == '-' {
                open(&mut t, &mut cur);
            }
        } else if c.is_ascii_digit() {
            if !is_digit && i > start {
                if mng7644 && !t.lists[cur].is_empty() {
                    open(&mut t, &mut cur);
                }
                t.lists[cur].push(string_item(sub(start, i), true));
                start = i;
                open(&mut t, &mut cur);
            }
            is_digit = true;
        } else {
            if is_digit && i > start {
                t.lists[cur].push(parse_item(true, sub(start, i)));
                start = i;
                open(&mut t, &mut cur);
            }
            is_digit = false;
        }
    }
    if chars.len() > start {
        if mng7644 && !is_digit && !t.lists[cur].is_empty() {
            open(&mut t, &mut cur);
        }
        t.lists[cur].push(parse_item(is_digit, sub(start, chars.len())));
    }
    // Java normalises each list after the lists inside it (popping its stack); a sub-list always
    // has a higher index than its parent, so going from the last index down does the same.
    for k in (0..t.lists.len()).rev() {
        normalize(&mut t, k);
    }
    t
}

/// Drops null items from the end of list `k`, stepping over non-null sub-lists.
fn normalize(t: &mut Tree<'_>, k: usize) {
    let mut i = t.lists[k].len();
    while i > 0 {
        i -= 1;
        let it = t.lists[k][i];
        if t.is_null(it) {
            t.lists[k].remove(i);
        } else if !matches!(it, Item::List(_)) {
            break;
        }
    }
}

/// Compares two Maven versions as maven-artifact 3.8.6 does.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (la, lb) = (a.to_lowercase(), b.to_lowercase());
    cmp_trees(&parse(&la, false), &parse(&lb, false))
}

/// Compares two Maven versions as maven-artifact 3.8.7 does: like [`compare`], except that a
/// qualifier after a `.` (or after a letter-digit switch) opens a sub-list as one after `-` does
/// (MNG-7644), so `1.0.0.RC1` = `1.0.0-RC1`; under 3.8.6, `1.0.0-RC1` < `1.0.0.RC1` < `1.0.0`.
pub fn compare_387(a: &str, b: &str) -> Ordering {
    let (la, lb) = (a.to_lowercase(), b.to_lowercase());
    cmp_trees(&parse(&la, true), &parse(&lb, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifier_order() {
        let seq = [
            "1-alpha-1",
            "1-alpha-2",
            "1-beta-1",
            "1-milestone-1",
            "1-rc-1",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for w in seq.windows(2) {
            assert_eq!(compare(w[0], w[1]), Ordering::Less, "{} < {}", w[0], w[1]);
        }
        assert_eq!(compare("1.0.0", "1"), Ordering::Equal);
        assert_eq!(compare("1.0.FINAL", "1"), Ordering::Equal);
        assert_eq!(compare("1CR2", "1-rc-2"), Ordering::Equal);
    }

    #[test]
    fn mng7644() {
        assert_eq!(compare("1.0.0-RC1", "1.0.0.RC1"), Ordering::Less);
        assert_eq!(compare("1.0.0.RC1", "1.0.0"), Ordering::Less);
        assert_eq!(compare_387("1.0.0.RC1", "1.0.0-RC1"), Ordering::Equal);
        assert_eq!(compare_387("1.0.0.RC1", "1.0.0"), Ordering::Less);
    }
}
