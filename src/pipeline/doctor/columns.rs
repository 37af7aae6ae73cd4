//! What a table's files hold before validation: their columns as they arrive
//! ([`discover_columns`]), which contract columns they have, and for those they lack a
//! column of theirs that looks like it, by name and by type.

use crate::contract::schema::{ColumnSpec, ColumnType, TableSpec};
use crate::contract::{BadKind, LoadError, Sources, Taxonomy, convert_column, read_source_head};
use crate::report::doctor::{ColumnCheck, Suggestion, TheirColumn};
use polars::prelude::*;
use vigil_store::storage::{Storage, TableFile};

/// Rows of the first file kept to check which contract type their columns' values have.
const SAMPLE_ROWS: usize = 200;

/// Lowest name similarity (0–1) that is suggested.
const MIN_SIMILARITY: f64 = 0.5;

/// Share of a column's sampled values that must parse as the contract type.
const MIN_PARSED: f64 = 0.9;

/// The first rows of a table's first file as they arrive (their column names and types),
/// read as its source is configured (format, CSV options, a PostgreSQL relation).
pub fn discover_columns(
    storage: &Storage,
    sources: &Sources,
    spec: &TableSpec,
    files: &[TableFile],
) -> Result<DataFrame, LoadError> {
    let Some(file) = files.first() else {
        return Ok(DataFrame::empty());
    };
    Ok(read_source_head(storage, sources, spec, file, SAMPLE_ROWS)?.frame)
}

/// `sample` with the columns `[sources.<table>] columns` maps renamed to their contract
/// names, so the checks below see the table as validation will.
pub fn mapped(spec: &TableSpec, sources: &Sources, sample: &DataFrame) -> PolarsResult<DataFrame> {
    let mut out = sample.clone();
    let Some(source) = sources.tables.get(spec.name) else {
        return Ok(out);
    };
    for c in spec.columns {
        let theirs = source.mapping.their_column(c.name).unwrap_or(c.name);
        if theirs != c.name && sample.column(theirs).is_ok() && sample.column(c.name).is_err() {
            out.rename(theirs, c.name.into())?;
        }
    }
    Ok(out)
}

/// Every contract column of `spec`, and whether `sample` has it.
pub fn column_checks(spec: &TableSpec, sample: &DataFrame) -> Vec<ColumnCheck> {
    spec.columns
        .iter()
        .map(|c| ColumnCheck {
            column: c.name,
            ty: c.ty.name(),
            required: c.required,
            found: sample.column(c.name).is_ok(),
        })
        .collect()
}

/// The sample's columns with their types as read.
pub fn their_columns(sample: &DataFrame) -> Vec<TheirColumn> {
    sample
        .columns()
        .iter()
        .map(|c| TheirColumn {
            name: c.name().to_string(),
            dtype: c.dtype().to_string(),
        })
        .collect()
}

/// For each contract column the sample lacks, the column of theirs that looks most like it:
/// first by name (similarity at least [`MIN_SIMILARITY`], values of the contract type), then,
/// for a typed column still unmatched, the only remaining column whose values have its type.
/// Each of their columns is suggested once; columns named like a contract column are not
/// candidates.
pub fn suggest(spec: &TableSpec, sample: &DataFrame) -> PolarsResult<Vec<Suggestion>> {
    let missing: Vec<&ColumnSpec> = spec
        .columns
        .iter()
        .filter(|c| sample.column(c.name).is_err())
        .collect();
    let candidates: Vec<&Column> = sample
        .columns()
        .iter()
        .filter(|c| spec.column(c.name()).is_none())
        .collect();
    let mut fits = vec![vec![false; candidates.len()]; missing.len()];
    let mut pairs = Vec::new();
    for (m, spec_col) in missing.iter().enumerate() {
        for (c, col) in candidates.iter().enumerate() {
            fits[m][c] = type_fits(spec_col, col)?;
            let sim = similarity(spec_col.name, col.name());
            if fits[m][c] && sim >= MIN_SIMILARITY {
                pairs.push((sim, m, c));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut done, mut used) = (vec![false; missing.len()], vec![false; candidates.len()]);
    let mut out = Vec::new();
    for (sim, m, c) in pairs {
        if done[m] || used[c] {
            continue;
        }
        (done[m], used[c]) = (true, true);
        out.push(Suggestion {
            column: missing[m].name,
            their_column: candidates[c].name().to_string(),
            similarity: sim,
            why: format!(
                "name similarity {sim:.2}; values parse as {}",
                missing[m].ty.name()
            ),
        });
    }
    for (m, spec_col) in missing.iter().enumerate() {
        let open: Vec<usize> = (0..candidates.len())
            .filter(|&c| !used[c] && fits[m][c])
            .collect();
        if done[m] || spec_col.ty == ColumnType::Str || open.len() != 1 {
            continue;
        }
        used[open[0]] = true;
        out.push(Suggestion {
            column: spec_col.name,
            their_column: candidates[open[0]].name().to_string(),
            similarity: 0.0,
            why: format!(
                "the only other column whose values parse as {}",
                spec_col.ty.name()
            ),
        });
    }
    Ok(out)
}

/// Whether most of a column's non-null values parse as the contract column's type (the
/// contract's own converter; values outside an allowed set or range still fit the type).
fn type_fits(spec: &ColumnSpec, col: &Column) -> PolarsResult<bool> {
    let values = col.len() - col.null_count();
    if values == 0 {
        return Ok(false);
    }
    let mut bad = vec![None; col.len()];
    let _typed = convert_column(spec, col, &mut bad, Taxonomy::builtin())?;
    let wrong = bad.iter().flatten().filter(|b| b.kind == BadKind::Type).count();
    Ok((values - wrong) as f64 >= MIN_PARSED * values as f64)
}

/// How alike two column names are, 0–1: the better of the edit distance of the names without
/// separators (normalised by the longer) and the share of their words that match, a word of 3
/// or more letters matching the longer word it abbreviates (`acct` ~ `account`, 0.8). Words
/// split at separators and case changes and compare lower-case.
pub fn similarity(a: &str, b: &str) -> f64 {
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    let (ja, jb) = (wa.concat(), wb.concat());
    let longer = ja.chars().count().max(jb.chars().count()) as f64;
    let edit = 1.0 - levenshtein(&ja, &jb) as f64 / longer;
    let matched: f64 = wa
        .iter()
        .map(|x| wb.iter().map(|y| word_match(x, y)).fold(0.0, f64::max))
        .sum();
    let overlap = 2.0 * matched / (wa.len() + wb.len()) as f64;
    edit.max(overlap)
}

/// A name's words, lower-case: split at non-alphanumerics and at lower-to-upper case changes.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if (!ch.is_alphanumeric() || (ch.is_uppercase() && prev_lower)) && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if ch.is_alphanumeric() {
            current.extend(ch.to_lowercase());
        }
        prev_lower = ch.is_lowercase();
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// 1 for equal words, 0.8 when one abbreviates the other, else 0.
fn word_match(x: &str, y: &str) -> f64 {
    if x == y {
        1.0
    } else if abbreviates(x, y) || abbreviates(y, x) {
        0.8
    } else {
        0.0
    }
}

/// Whether `short` (3 or more letters) abbreviates `long`: same first letter, and its letters
/// appear in `long` in order.
fn abbreviates(short: &str, long: &str) -> bool {
    if short.chars().count() < 3 || short.len() >= long.len() || short.chars().next() != long.chars().next() {
        return false;
    }
    let mut rest = long.chars();
    short.chars().all(|c| rest.any(|l| l == c))
}

/// Edit distance (insertions, deletions, substitutions) between two strings, by characters.
fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::schema::table;

    #[test]
    fn similar_names_score_high_and_unrelated_low() {
        assert!(similarity("opened_at", "opened") >= 0.7);
        assert!(similarity("account_id", "acct_id") >= 0.85);
        assert!(similarity("account_id", "AccountID") > 0.99);
        assert!(similarity("opened_at", "OpenedAt") > 0.99);
        assert!(similarity("category", "type") < MIN_SIMILARITY);
        assert!(similarity("opened_at", "severity") < MIN_SIMILARITY);
        assert_eq!(similarity("", "x"), 0.0);
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(words("createdAt utc-Time"), ["created", "at", "utc", "time"]);
        assert!(abbreviates("acct", "account") && !abbreviates("at", "account"));
    }

    fn sample(columns: &[(&str, &[&str])]) -> DataFrame {
        DataFrame::new_infer_height(
            columns
                .iter()
                .map(|(name, values)| Column::new((*name).into(), values.to_vec()))
                .collect(),
        )
        .expect("frame")
    }

    #[test]
    fn suggests_by_name_with_the_contract_type_then_by_type_alone() {
        let spec = table("escalations").expect("escalations");
        let s = sample(&[
            ("escalation_id", &["e1", "e2"]),
            ("acct", &["a1", "a2"]),
            ("opened", &["2026-06-01T10:00:00Z", "2026-06-02 11:00:00"]),
            ("category", &["outage", "billing"]),
            ("closed", &["2026-06-03T10:00:00Z", "2026-06-04"]),
        ]);
        let found: Vec<(&str, String)> = suggest(spec, &s)
            .expect("suggest")
            .into_iter()
            .map(|m| (m.column, m.their_column))
            .collect();
        assert!(found.contains(&("opened_at", "opened".into())), "{found:?}");
        assert!(found.contains(&("account_id", "acct".into())), "{found:?}");
        // `closed` is no name match for `resolved_at`, but the only timestamp column left.
        assert!(found.contains(&("resolved_at", "closed".into())), "{found:?}");
        let checks = column_checks(spec, &s);
        assert!(
            checks
                .iter()
                .any(|c| c.column == "opened_at" && c.required && !c.found)
        );
        assert!(checks.iter().any(|c| c.column == "category" && c.found));
    }

    #[test]
    fn a_column_whose_values_are_not_the_type_is_not_suggested() {
        let spec = table("escalations").expect("escalations");
        let s = sample(&[("opened", &["soon", "later"])]);
        let found = suggest(spec, &s).expect("suggest");
        assert!(found.iter().all(|m| m.column != "opened_at"), "{found:?}");
    }
}
