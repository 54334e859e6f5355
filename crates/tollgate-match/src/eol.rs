//! End-of-life dates of OS releases, for the `EOSL` flag and the warning Trivy users expect.

/// A calendar date (year, month, day).
pub type Date = (i32, u8, u8);

const ALPINE: &[(&str, Date)] = &[
    ("2.0", (2012, 4, 1)),
    ("2.1", (2012, 11, 1)),
    ("2.2", (2013, 5, 1)),
    ("2.3", (2013, 11, 1)),
    ("2.4", (2014, 5, 1)),
    ("2.5", (2014, 11, 1)),
    ("2.6", (2015, 5, 1)),
    ("2.7", (2015, 11, 1)),
    ("3.0", (2016, 5, 1)),
    ("3.1", (2016, 11, 1)),
    ("3.2", (2017, 5, 1)),
    ("3.3", (2017, 11, 1)),
    ("3.4", (2018, 5, 1)),
    ("3.5", (2018, 11, 1)),
    ("3.6", (2019, 5, 1)),
    ("3.7", (2019, 11, 1)),
    ("3.8", (2020, 5, 1)),
    ("3.9", (2020, 11, 1)),
    ("3.10", (2021, 5, 1)),
    ("3.11", (2021, 11, 1)),
    ("3.12", (2022, 5, 1)),
    ("3.13", (2022, 11, 1)),
    ("3.14", (2023, 5, 1)),
    ("3.15", (2023, 11, 1)),
    ("3.16", (2024, 5, 23)),
    ("3.17", (2024, 11, 22)),
    ("3.18", (2025, 5, 9)),
    ("3.19", (2025, 11, 1)),
    ("3.20", (2026, 4, 1)),
    ("3.21", (2026, 11, 1)),
    ("3.22", (2027, 5, 1)),
    ("3.23", (2027, 11, 1)),
];

const DEBIAN: &[(&str, Date)] = &[
    ("7", (2018, 5, 31)),
    ("8", (2020, 6, 30)),
    ("9", (2022, 6, 30)),
    ("10", (2024, 6, 30)),
    ("11", (2026, 8, 31)),
    ("12", (2028, 6, 30)),
    ("13", (2030, 6, 30)),
];

const UBUNTU: &[(&str, Date)] = &[
    ("14.04", (2019, 4, 25)),
    ("16.04", (2021, 4, 30)),
    ("18.04", (2023, 5, 31)),
    ("20.04", (2025, 5, 29)),
    ("22.04", (2027, 6, 1)),
    ("24.04", (2029, 5, 31)),
];

/// End-of-life date of a release in a family's namespace key (`3.10`, `12`, `22.04`).
pub fn eol_date(family: &str, release: &str) -> Option<Date> {
    let table = match family {
        "alpine" => ALPINE,
        "debian" => DEBIAN,
        "ubuntu" => UBUNTU,
        _ => return None,
    };
    table.iter().find(|(r, _)| *r == release).map(|(_, d)| *d)
}

/// Whether the release is past its end of life on `today`; `None` when unknown.
pub fn is_eol(family: &str, release: &str, today: Date) -> Option<bool> {
    eol_date(family, release).map(|d| today > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn dates() {
        assert_eq!(is_eol("alpine", "3.10", (2026, 11, 25)), Some(true));
        assert_eq!(is_eol("debian", "12", (2026, 11, 25)), Some(false));
        assert_eq!(is_eol("debian", "11", (2026, 9, 1)), Some(true));
        assert_eq!(is_eol("alpine", "edge", (2026, 11, 25)), None);
    }
}
