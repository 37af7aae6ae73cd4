//! Unit tests of the mapping of one file frame.

use super::*;
use vigil_store::storage::{FileFormat, Location};

fn tickets() -> &'static TableSpec {
    crate::contract::schema::table("tickets").expect("tickets")
}

fn file(frame: DataFrame) -> FileFrame {
    FileFrame {
        location: Location::parse("/data/t.csv").expect("location"),
        format: FileFormat::Csv,
        frame,
    }
}

fn mapping() -> TableMapping {
    TableMapping {
        columns: [("ticket_id", "id"), ("created_at", "opened")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        values: [(
            "priority".to_string(),
            [("P1", "urgent"), ("P4", "low")]
                .into_iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        )]
        .into_iter()
        .collect(),
        timestamp_format: Some("%d/%m/%Y %H:%M".into()),
        time_zone: Some(chrono_tz::Europe::Berlin),
        filter: Some(Filter::parse("is_test = false").expect("filter")),
    }
}

fn frame() -> DataFrame {
    df!(
        "id" => ["t1", "t2", "t3", "t4"],
        "ticket_id" => ["x", "x", "x", "x"],
        "opened" => ["30/06/2026 12:00", "30/06/2026 13:00", "2026-06-30", "01/07/2026 00:30"],
        "priority" => [" P1 ", "P4", "P2", "medium"],
        "is_test" => ["false", "true", "false", "false"],
    )
    .expect("frame")
}

#[test]
fn filters_renames_maps_values_and_parses_times_keeping_their_rows_and_values() -> Result<(), ContractError> {
    let out = mapping().apply(tickets(), file(frame()))?;
    assert_eq!(out.filtered, 1);
    assert_eq!(out.rows.as_deref(), Some(&[0, 2, 3][..]));
    assert_eq!(out.file_row(1), 3);
    let f = &out.file.frame;
    let text = |name: &str| -> Vec<Option<String>> {
        let c = f.column(name).expect("column");
        c.str()
            .expect("text")
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    let ids = text("ticket_id");
    assert_eq!(ids, [Some("t1".into()), Some("t3".into()), Some("t4".into())]);
    assert!(f.column("id").is_err(), "their renamed column is gone");
    let prio = text("priority");
    assert_eq!(
        prio,
        [Some("urgent".into()), Some("P2".into()), Some("medium".into())]
    );
    let created = f
        .column("created_at")
        .expect("created")
        .cast(&DataType::Int64)
        .expect("cast");
    let us: Vec<Option<i64>> = created.i64().expect("i64").iter().collect();
    assert_eq!(us[0], parse::timestamp("2026-06-30T10:00:00Z").ok());
    assert_eq!(us[1], None);
    assert_eq!(us[2], parse::timestamp("2026-06-30T22:30:00Z").ok());
    let bad = out.bad[1].as_ref().expect("unparsed time is bad");
    assert_eq!((bad.column, bad.value.as_str()), ("created_at", "\"2026-06-30\""));
    assert!(bad.reason.contains("%d/%m/%Y %H:%M"), "{}", bad.reason);
    let mut cells = vec![
        Some(BadCell {
            column: "priority",
            value: "\"urgent\"".into(),
            kind: BadKind::Enum,
            reason: String::new(),
        }),
        None,
        None,
    ];
    out.show_raw_values(&mut cells).expect("raw");
    assert_eq!(cells[0].as_ref().map(|c| c.value.as_str()), Some("\" P1 \""));
    Ok(())
}

#[test]
fn a_mapped_column_missing_from_the_file_names_their_column_and_the_key() {
    let mut m = mapping();
    m.columns.insert("account_id".into(), "customer".into());
    let err = m
        .apply(tickets(), file(frame()))
        .expect_err("missing")
        .to_string();
    assert!(
        err.contains("`customer`")
            && err.contains("sources.tickets.columns.account_id")
            && err.contains("t.csv"),
        "{err}"
    );
}

#[test]
fn a_file_of_an_unmapped_source_is_taken_as_it_is() -> Result<(), ContractError> {
    let out = TableMapping::default().apply(tickets(), file(frame()))?;
    assert_eq!(out.file.frame, frame());
    assert!(out.rows.is_none() && out.bad.is_empty() && out.raw.is_none());
    Ok(())
}

#[test]
fn rows_left_out_twice_keep_their_file_row_numbers_bad_cells_and_raw_values() -> PolarsResult<()> {
    let mut out = mapping()
        .apply(tickets(), file(frame()))
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?;
    // Narrowed again (a shard): keep frame rows 1 and 2 of the filtered rows 0, 2, 3.
    let narrowed = out.file.frame.slice(1, 2);
    out.retain(narrowed, &[1, 2])?;
    assert_eq!(out.rows.as_deref(), Some(&[2, 3][..]));
    assert_eq!((out.file_row(0), out.file_row(1)), (3, 4));
    assert!(out.bad[0].is_some() && out.bad[1].is_none());
    let raw = out.raw.as_ref().map(|r| r.height());
    assert_eq!(raw, Some(2));
    Ok(())
}
