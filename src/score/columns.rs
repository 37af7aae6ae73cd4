//! Nested columns of the `risk_scores` table: lists of structs built row by row.

use super::brief::{Factor, SimilarCase};
use polars::prelude::*;

fn struct_list(
    name: &str,
    rows: impl Iterator<Item = PolarsResult<(usize, Vec<Series>)>>,
) -> PolarsResult<Column> {
    let mut lists: Vec<Option<Series>> = Vec::new();
    for row in rows {
        let (len, fields) = row?;
        lists.push(Some(
            StructChunked::from_series("item".into(), len, fields.iter())?.into_series(),
        ));
    }
    let ca: ListChunked = lists.into_iter().collect();
    Ok(ca.with_name(name.into()).into_column())
}

/// `list<struct{feature, value, contribution, phrase}>`: a row's top factors.
pub fn factors(name: &str, rows: &[Vec<Factor>]) -> PolarsResult<Column> {
    struct_list(
        name,
        rows.iter().map(|fs| {
            Ok((
                fs.len(),
                vec![
                    Series::new(
                        "feature".into(),
                        fs.iter().map(|f| f.feature.as_str()).collect::<Vec<_>>(),
                    ),
                    Series::new("value".into(), fs.iter().map(|f| f.value).collect::<Vec<_>>()),
                    Series::new(
                        "contribution".into(),
                        fs.iter().map(|f| f.contribution).collect::<Vec<_>>(),
                    ),
                    Series::new(
                        "phrase".into(),
                        fs.iter().map(|f| f.phrase.as_str()).collect::<Vec<_>>(),
                    ),
                ],
            ))
        }),
    )
}

/// `list<struct{feature, value, contribution}>`: every non-negligible contribution of a row,
/// kept so the next run can say what moved the score.
pub fn contributions(name: &str, rows: &[Vec<FeatureContribution>]) -> PolarsResult<Column> {
    struct_list(
        name,
        rows.iter().map(|cs| {
            Ok((
                cs.len(),
                vec![
                    Series::new(
                        "feature".into(),
                        cs.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
                    ),
                    Series::new("value".into(), cs.iter().map(|c| c.1).collect::<Vec<_>>()),
                    Series::new("contribution".into(), cs.iter().map(|c| c.2).collect::<Vec<_>>()),
                ],
            ))
        }),
    )
}

/// `list<struct{escalation_id, account_id, category, resolution_days, distance}>`.
pub fn similar_cases(name: &str, rows: &[Vec<SimilarCase>]) -> PolarsResult<Column> {
    struct_list(
        name,
        rows.iter().map(|cs| {
            Ok((
                cs.len(),
                vec![
                    Series::new(
                        "escalation_id".into(),
                        cs.iter().map(|c| c.escalation_id.as_str()).collect::<Vec<_>>(),
                    ),
                    Series::new(
                        "account_id".into(),
                        cs.iter().map(|c| c.account_id.as_str()).collect::<Vec<_>>(),
                    ),
                    Series::new(
                        "category".into(),
                        cs.iter().map(|c| c.category.as_str()).collect::<Vec<_>>(),
                    ),
                    Series::new(
                        "resolution_days".into(),
                        cs.iter().map(|c| c.resolution_days).collect::<Vec<_>>(),
                    ),
                    Series::new(
                        "distance".into(),
                        cs.iter().map(|c| c.distance).collect::<Vec<_>>(),
                    ),
                ],
            ))
        }),
    )
}

/// `list<str>`.
pub fn strings(name: &str, rows: &[Vec<String>]) -> Column {
    let ca: ListChunked = rows
        .iter()
        .map(|r| {
            Some(Series::new(
                "item".into(),
                r.iter().map(String::as_str).collect::<Vec<_>>(),
            ))
        })
        .collect();
    ca.with_name(name.into()).into_column()
}

/// One feature's `(name, value, contribution)` in a row.
pub type FeatureContribution = (String, Option<f64>, f64);

/// Reads back a `contributions` column: `(feature, value, contribution)` per row.
pub fn read_contributions(col: &Column) -> PolarsResult<Vec<Vec<FeatureContribution>>> {
    let list = col.list()?;
    let mut out = Vec::with_capacity(list.len());
    for row in list.amortized_iter() {
        let mut v = Vec::new();
        if let Some(s) = row {
            let s = s.as_ref();
            let st = s.struct_()?;
            let feature = st.field_by_name("feature")?;
            let value = st.field_by_name("value")?.cast(&DataType::Float64)?;
            let contribution = st.field_by_name("contribution")?.cast(&DataType::Float64)?;
            for ((f, val), c) in feature
                .str()?
                .iter()
                .zip(value.f64()?.iter())
                .zip(contribution.f64()?.iter())
            {
                if let (Some(f), Some(c)) = (f, c) {
                    v.push((f.to_string(), val, c));
                }
            }
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_columns_round_trip_with_empty_rows() -> PolarsResult<()> {
        let rows = vec![
            vec![("a".to_string(), Some(1.0), 0.5), ("b".to_string(), None, -0.2)],
            vec![],
        ];
        let col = contributions("contributions", &rows)?;
        assert_eq!(col.len(), 2);
        assert_eq!(read_contributions(&col)?, rows);
        let f = factors(
            "top_factors",
            &[
                vec![],
                vec![Factor {
                    feature: "x".into(),
                    description: "X".into(),
                    value: Some(2.0),
                    contribution: 0.3,
                    phrase: "x is 2".into(),
                }],
            ],
        )?;
        assert_eq!(
            f.list()?.lst_lengths().iter().collect::<Vec<_>>(),
            [Some(0), Some(1)]
        );
        let s = strings("what_changed", &[vec!["a".into()], vec![]]);
        assert_eq!(s.len(), 2);
        Ok(())
    }
}
