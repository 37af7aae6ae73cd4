//! `[taxonomy]`: a history labelled in a company's own words (P1–P4 priorities, its own
//! segments, severities and escalation categories) through the real binary: quarantined
//! without the section, validated, trained, scored, drafted and reported with it; open
//! categories accepted with a warning; a bad section is a config error naming its key.

use crate::common::{Project, delta_partition};
use crate::score::{config, templates};
use polars::prelude::*;

/// Seed value → the company's value.
pub(crate) type ValueMap = &'static [(&'static str, &'static str)];

/// Per column of a generated table, its value map (the spec's foreign layout).
pub(crate) const RELABEL: &[(&str, &str, ValueMap)] = &[
    (
        "accounts",
        "segment",
        &[
            ("smb", "SMB"),
            ("mid-market", "Commercial"),
            ("enterprise", "Strategic"),
        ],
    ),
    (
        "tickets",
        "priority",
        &[("low", "P4"), ("normal", "P3"), ("high", "P2"), ("urgent", "P1")],
    ),
    (
        "escalations",
        "severity",
        &[
            ("low", "Sev4"),
            ("medium", "Sev3"),
            ("high", "Sev2"),
            ("critical", "Sev1"),
        ],
    ),
    (
        "escalations",
        "category",
        &[
            ("implementation_delay", "Onboarding"),
            ("product_defect", "Outage"),
            ("pricing_dispute", "Billing"),
            ("team_transition", "Champion change"),
            ("integration", "Integrations"),
            ("performance", "Slowness"),
        ],
    ),
];

const TAXONOMY: &str = r#"
[taxonomy]
segments = ["SMB", "Commercial", "Strategic"]
priorities = ["P4", "P3", "P2", "P1"]
high_priorities = ["P2", "P1"]
severities = ["Sev4", "Sev3", "Sev2", "Sev1"]
[taxonomy.categories]
values = ["Onboarding", "Outage", "Billing", "Champion change", "Integrations", "Slowness"]
display = { Outage = "Outage / incident" }
"#;

const CATEGORIES: [&str; 6] = [
    "Onboarding",
    "Outage",
    "Billing",
    "Champion change",
    "Integrations",
    "Slowness",
];

fn read(p: &Project, table: &str) -> DataFrame {
    let file = std::fs::File::open(p.file(&format!("history/{table}.parquet"))).expect("table file");
    ParquetReader::new(file).finish().expect("parquet")
}

fn write(p: &Project, table: &str, df: &mut DataFrame) {
    let file = std::fs::File::create(p.file(&format!("history/{table}.parquet"))).expect("table file");
    ParquetWriter::new(file).finish(df).expect("write parquet");
}

/// Rewrites one column of a generated table with `map` (values not listed are kept).
fn relabel(p: &Project, table: &str, column: &str, map: &dyn Fn(&str) -> String) {
    let mut df = read(p, table);
    let values: Vec<Option<String>> = df
        .column(column)
        .expect("column")
        .str()
        .expect("text")
        .iter()
        .map(|v| v.map(map))
        .collect();
    df.with_column(Column::new(column.into(), values))
        .expect("replace");
    write(p, table, &mut df);
}

/// A generated 300-account history relabelled in the company's words, with the shipped
/// sentiment model and templates, low tiers and `extra` config.
fn company_project(extra: &str) -> Project {
    let p = Project::new("");
    p.config(&config("wh", &templates(), extra));
    p.generate("300", "history");
    for (table, column, map) in RELABEL {
        relabel(&p, table, column, &|v| {
            map.iter()
                .find(|(from, _)| *from == v)
                .map_or(v.to_string(), |(_, to)| to.to_string())
        });
    }
    p
}

fn strings(df: &DataFrame, column: &str) -> Vec<String> {
    df.column(column)
        .expect("column")
        .str()
        .expect("text")
        .iter()
        .flatten()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_company_taxonomy_validates_runs_and_reports_in_its_own_words() {
    let p = company_project("");
    p.validate().expect_failure(
        3,
        &[
            "column segment",
            "allowed values: smb, mid-market, enterprise (configurable in taxonomy.segments)",
        ],
    );

    p.config(&config(
        "wh",
        &templates(),
        &format!("[report]\nmin_support = 3\n{TAXONOMY}"),
    ));
    p.validate().expect_code(0);
    p.dated(&["run"], &[], &[]).expect_code(0);
    let wh = p.file("wh").to_string_lossy().into_owned();
    let scores = delta_partition(&format!("{wh}/risk_scores"), "2026-06-30").expect("risk_scores");
    assert!(scores.height() > 0);
    let actions = delta_partition(&format!("{wh}/actions"), "2026-06-30").expect("actions");
    let bodies = strings(&actions, "body").join("\n");
    let predicted: Vec<&str> = bodies
        .lines()
        .filter_map(|l| l.strip_prefix("- Most likely type: "))
        .collect();
    assert!(!predicted.is_empty(), "a war room names the predicted category");
    for line in predicted {
        assert!(CATEGORIES.iter().any(|c| line.starts_with(c)), "{line}");
    }

    p.dated(&["report"], &[], &[]).expect_code(0);
    let patterns = delta_partition(&format!("{wh}/quarterly_patterns"), "2026-06-30").expect("patterns");
    let categories = strings(&patterns, "category");
    assert!(!categories.is_empty());
    assert!(
        categories.iter().all(|c| CATEGORIES.contains(&c.as_str())),
        "{categories:?}"
    );
    let md = std::fs::read_to_string(p.file("wh/reports/quarter=2026Q2/report.md")).expect("report.md");
    assert!(md.contains("| Champion change |"), "{md}");
    assert!(
        !md.contains("product_defect") && !md.contains("implementation_delay"),
        "{md}"
    );
    let html = std::fs::read_to_string(p.file("wh/reports/quarter=2026Q2/report.html")).expect("report.html");
    crate::report::assert_readable_page(&html);
    let text = crate::report::outside_charts(&html);
    assert!(
        text.contains("<td>Champion change</td>") && text.contains("<td>Outage &#x2f; incident</td>"),
        "the configured titles: {text}"
    );
    assert!(md.contains("| Outage / incident |"), "{md}");
    assert!(
        !text.contains("product_defect") && !text.contains("implementation_delay"),
        "{text}"
    );
}

#[test]
fn open_categories_are_accepted_with_a_warning() {
    let p = company_project(&TAXONOMY.replace("display = {", "open = true\nmin_count = 20\ndisplay = {"));
    // One company category the list does not know.
    relabel(&p, "escalations", "category", &|v| {
        if v == "Slowness" {
            "Security review".into()
        } else {
            v.to_string()
        }
    });
    let run = p.validate();
    run.expect_code(0);
    let warnings = run.summary()["stages"][0]["warnings"].to_string();
    assert!(
        warnings.contains("outside taxonomy.categories.values (1 distinct value: \\\"Security review\\\")"),
        "{warnings}"
    );
    let report =
        std::fs::read_to_string(p.file("wh/validation/run_date=2026-06-30/report.json")).expect("report");
    assert!(report.contains("\"outside_taxonomy\""), "{report}");

    p.config(&config("wh", &templates(), TAXONOMY));
    p.validate()
        .expect_failure(3, &["Security review", "taxonomy.categories.values"]);
}

#[test]
fn a_bad_taxonomy_is_a_config_error_naming_its_key() {
    let cases = [
        ("[taxonomy]\nsegments = []\n", "taxonomy.segments"),
        (
            "[taxonomy]\nseverities = [\"Sev1\", \"sev1\"]\n",
            "taxonomy.severities",
        ),
        (
            "[taxonomy]\npriorities = [\"P2\", \"P1\"]\nhigh_priorities = [\"P0\"]\n",
            "P0 is not one of taxonomy.priorities",
        ),
        ("[taxonomy]\ncolours = [\"red\"]\n", "colours"),
    ];
    let p = Project::new("");
    p.small_history();
    for (section, needle) in cases {
        p.config(&format!(
            "[sources]\nbase = \"history\"\n[warehouse]\nurl = \"wh\"\n{section}"
        ));
        p.validate().expect_failure(2, &[needle]);
        assert!(p.files_under("wh").is_empty(), "nothing written");
    }
}

/// The value map of `table.column` in [`RELABEL`].
pub(crate) fn value_map(table: &str, column: &str) -> ValueMap {
    RELABEL
        .iter()
        .find(|(t, c, _)| *t == table && *c == column)
        .map(|(_, _, map)| *map)
        .unwrap_or_else(|| panic!("no relabelling of {table}.{column}"))
}
