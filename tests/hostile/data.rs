//! Hostile and careless input data (issue #16): tables delivered twice, conflicting versions
//! of one fact, rows after `--as-of`, backfills, stale feeds, quarantined parent rows and
//! absurd values. Each case runs the real binary and asserts the exit code, the named
//! table/file/row/column/value or key, and that a failed run wrote no output.

use crate::common::{Project, Run, report_table as table, validation_report as report, vigil};
use polars::prelude::*;

const BAD_DATA: i32 = 3;
const USAGE: i32 = 2;

/// Every warning of every stage of a run, one per line.
fn warnings(run: &Run) -> String {
    run.summary()["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .flat_map(|s| s["warnings"].as_array().cloned().unwrap_or_default())
        .filter_map(|w| w.as_str().map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `vigil <command> --config pipelines/test.toml --run-date <date> <extra…>`.
fn on(p: &Project, command: &[&str], date: &str, extra: &[&str]) -> Run {
    let mut args = command.to_vec();
    args.extend_from_slice(&["--config", "pipelines/test.toml", "--run-date", date]);
    args.extend_from_slice(extra);
    vigil(p.path(), &args)
}

/// Appends CSV data rows (no header) to a history file.
fn append(p: &Project, rel: &str, rows: &str) {
    let path = p.file(rel);
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str(rows);
    std::fs::write(path, text).expect("write");
}

/// A failed `vigil features --mode score`: exit 3, the needles, and no feature table written.
fn features_fail(p: &Project, date: &str, needles: &[&str]) {
    on(p, &["features", "--mode", "score"], date, &[]).expect_failure(BAD_DATA, needles);
    assert!(p.files_under("wh/features").is_empty(), "no output on failure");
}

// ---------------------------------------------------------------- natural keys

#[test]
fn usage_file_delivered_twice_is_dropped_and_counted() {
    let p = Project::new("");
    p.small_history();
    let bytes = std::fs::read(p.file("history/usage_daily/2026-06.csv")).expect("usage");
    p.write("history/usage_daily/2026-06-copy.csv", &bytes);
    let run = p.validate();
    run.expect_code(0);
    let r = report(&p, "2026-06-30");
    let usage = table(&r, "usage_daily");
    assert_eq!(usage["duplicates_dropped"], 300);
    assert_eq!(usage["rows_valid"], 300);
    assert_eq!(usage["bad_rows"], 0);
    assert_eq!(r["quarantined_rows"], 0);
    let w = warnings(&run);
    assert!(
        w.contains("table usage_daily: 300 exact duplicate rows dropped (natural key account_id + date)"),
        "{w}"
    );
}

#[test]
fn nps_export_retried_inside_one_file_is_dropped_and_counted() {
    let p = Project::new("");
    p.small_history();
    let text = std::fs::read_to_string(p.file("history/nps_responses.csv")).expect("nps");
    let rows: String = text.lines().skip(1).take(40).map(|l| format!("{l}\n")).collect();
    append(&p, "history/nps_responses.csv", &rows);
    let run = p.validate();
    run.expect_code(0);
    let nps = table(&report(&p, "2026-06-30"), "nps_responses").clone();
    assert_eq!(nps["duplicates_dropped"], 40);
    assert_eq!(nps["rows_valid"], 100);
    assert!(warnings(&run).contains("table nps_responses: 40 exact duplicate rows dropped"));
}

#[test]
fn exact_duplicate_ticket_is_not_a_bad_row() {
    // max_bad_row_share = 0: a duplicate counted as bad would fail the run.
    let p = Project::new("");
    p.small_history();
    let text = std::fs::read_to_string(p.file("history/tickets.csv")).expect("tickets");
    let row = text.lines().nth(7).expect("row 7").to_string();
    append(&p, "history/tickets.csv", &format!("{row}\n"));
    p.validate().expect_code(0);
    let tickets = table(&report(&p, "2026-06-30"), "tickets").clone();
    assert_eq!(
        (
            tickets["duplicates_dropped"].as_u64(),
            tickets["rows_valid"].as_u64()
        ),
        (Some(1), Some(200))
    );
}

#[test]
fn conflicting_ticket_versions_are_all_quarantined_naming_each_other() {
    let p = Project::new("");
    p.small_history();
    // Row 201: ticket t0007 again with another priority (a re-export after an edit).
    append(
        &p,
        "history/tickets.csv",
        "t0007,a007,2026-06-08T10:00:00Z,low,Subject 7,\"Body, with comma 7\",3\n",
    );
    let run = p.validate();
    run.expect_failure(
        BAD_DATA,
        &[
            "table tickets",
            "tickets.csv",
            "row 8",
            "row 201",
            "column ticket_id",
            "\"t0007\"",
            "conflicting duplicate ticket_id",
            "different priority",
        ],
    );
    run.expect_absent("Body, with comma 7");
    let q = quarantine(&p);
    let rows: Vec<i64> = q
        .column("row")
        .expect("row")
        .i64()
        .expect("i64")
        .into_no_null_iter()
        .collect();
    assert_eq!(rows, [8, 201], "every row of the key is quarantined");
}

/// The quarantine partition of 2026-06-30.
fn quarantine(p: &Project) -> DataFrame {
    let file =
        std::fs::File::open(p.file("wh/quarantine/run_date=2026-06-30/part-0.parquet")).expect("quarantine");
    ParquetReader::new(file).finish().expect("parquet")
}

#[test]
fn conflicting_usage_day_in_a_second_file_names_the_other_file() {
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/usage_daily/late-fix.csv",
        b"account_id,date,active_users,logins\na005,2026-06-29,99,10\n",
    );
    p.validate().expect_failure(
        BAD_DATA,
        &[
            "table usage_daily",
            "late-fix.csv",
            "row 1",
            "2026-06.csv",
            "row 17",
            "conflicting duplicate account_id + date",
            "different active_users",
        ],
    );
    assert!(p.files_under("wh/features").is_empty());
}

#[test]
fn two_respondents_at_one_instant_are_two_answers() {
    // The NPS key includes the contact: same account and second, other person → both valid.
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/nps_responses.csv",
        b"account_id,responded_at,score,contact_id\na001,2026-06-01 09:00:00,3,c1\na001,2026-06-01 09:00:00,9,c2\n",
    );
    p.validate().expect_code(0);
    let nps = table(&report(&p, "2026-06-30"), "nps_responses").clone();
    assert_eq!(
        (nps["rows_valid"].as_u64(), nps["duplicates_dropped"].as_u64()),
        (Some(2), Some(0))
    );
}

#[test]
fn anonymous_nps_answers_with_one_key_and_two_scores_conflict() {
    // A null contact_id compares equal to another null: the same anonymous answer scored twice.
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/nps_responses.csv",
        b"account_id,responded_at,score,contact_id\na001,2026-06-01 09:00:00,3,\na001,2026-06-01 09:00:00,9,\n",
    );
    p.validate().expect_failure(
        BAD_DATA,
        &[
            "table nps_responses",
            "nps_responses.csv",
            "row 1",
            "row 2",
            "conflicting duplicate",
            "different score",
        ],
    );
}

#[test]
fn feedback_of_two_authors_is_kept_but_one_author_twice_conflicts() {
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/feedback.csv",
        b"account_id,alert_date,verdict,author\na001,2026-06-10,accurate,kim\na001,2026-06-10,false_positive,lee\n",
    );
    p.validate().expect_code(0);
    append(&p, "history/feedback.csv", "a001,2026-06-10,missed,kim\n");
    p.validate().expect_failure(
        BAD_DATA,
        &[
            "table feedback",
            "row 1",
            "row 3",
            "account_id + alert_date + author",
            "different verdict",
        ],
    );
}

#[test]
fn one_text_with_two_labels_conflicts_without_printing_the_text() {
    let p = Project::new("");
    p.small_history();
    let secret = "the CFO of Initech is furious about invoice 4471";
    p.write(
        "history/sentiment_labels.csv",
        format!("text,label\n{secret},negative\nall good,positive\n{secret},positive\n").as_bytes(),
    );
    let run = p.validate();
    run.expect_failure(
        BAD_DATA,
        &[
            "table sentiment_labels",
            "row 1",
            "row 3",
            "column text",
            "redacted",
            "different label",
        ],
    );
    run.expect_absent(secret);
    run.expect_absent("Initech");
}

#[test]
fn subscriptions_key_on_product_and_conflict_on_arr() {
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/subscriptions.csv",
        b"account_id,start_date,end_date,arr,product\na001,2026-01-01,2026-12-31,1000,core\na001,2026-01-01,2026-12-31,500,addon\n",
    );
    p.validate().expect_code(0);
    append(
        &p,
        "history/subscriptions.csv",
        "a001,2026-01-01,2026-12-31,1500,core\n",
    );
    p.validate().expect_failure(
        BAD_DATA,
        &[
            "table subscriptions",
            "row 1",
            "row 3",
            "account_id + start_date + product",
            "different arr",
        ],
    );
}

#[test]
fn conflicting_account_rows_quarantine_the_account_and_leave_its_rows_out() {
    let p = Project::new("[validation]\nmax_bad_row_share = 0.05\n");
    p.small_history();
    append(
        &p,
        "history/accounts.csv",
        "a004,Account 4,smb,9999.5,2026-12-31,csm4\n",
    );
    let run = p.validate();
    run.expect_code(0);
    let r = report(&p, "2026-06-30");
    assert_eq!(table(&r, "accounts")["bad_rows"], 2, "both versions of a004");
    assert_eq!(table(&r, "tickets")["rows_of_quarantined_accounts"], 2);
    assert_eq!(table(&r, "usage_daily")["rows_of_quarantined_accounts"], 3);
    assert_eq!(table(&r, "tickets")["bad_rows"], 0);
    let w = warnings(&run);
    assert!(
        w.contains(
            "table tickets: 2 rows left out because their account was quarantined (first: table accounts"
        ),
        "{w}"
    );
    assert!(w.contains("conflicting duplicate account_id"), "{w}");
}

// ---------------------------------------------------------------- future rows and backfills

#[test]
fn a_run_date_inside_the_history_leaves_later_rows_out() {
    // The history runs to 2026-06-30; as of 2026-06-28, 06-29 and 06-30 are future rows.
    let p = Project::new("");
    p.small_history();
    let run = on(&p, &["validate"], "2026-06-28", &[]);
    run.expect_code(0);
    let r = report(&p, "2026-06-28");
    assert_eq!(table(&r, "usage_daily")["rows_after_as_of"], 200);
    assert_eq!(table(&r, "usage_daily")["rows_valid"], 100);
    assert_eq!(r["quarantined_rows"], 0);
    assert!(!run.stderr.contains("after --as-of"), "{}", run.stderr);
}

#[test]
fn future_rows_do_not_count_toward_the_bad_row_share() {
    // One real bad row among mostly-future rows: the share is over the rows checked.
    let p = Project::new("[validation]\nmax_bad_row_share = 0.004\n");
    p.small_history();
    p.edit("history/tickets.csv", ",low,", ",p1,");
    let run = on(&p, &["validate"], "2026-06-10", &["--allow-stale"]);
    run.expect_failure(BAD_DATA, &["table tickets", "column priority", "\"p1\""]);
    let r = report(&p, "2026-06-10");
    let t = table(&r, "tickets");
    assert!(t["rows_after_as_of"].as_u64().expect("n") > 100, "{t}");
    assert!(t["bad_share"].as_f64().expect("share") > 0.004, "{t}");
}

#[test]
fn future_rows_are_not_fresh_data() {
    // Rows after --as-of must not hide a feed that stopped before it.
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/usage_daily/2026-06.csv",
        b"account_id,date,active_users,logins\na001,2026-06-01,5,5\na001,2026-07-15,5,5\n",
    );
    features_fail(&p, "2026-06-30", &["table usage_daily is stale", "2026-06-01"]);
}

// ---------------------------------------------------------------- freshness

#[test]
fn a_run_weeks_after_the_data_ends_is_stale() {
    let p = Project::new("");
    p.small_history();
    features_fail(
        &p,
        "2026-08-11",
        &[
            "table usage_daily is stale",
            "its latest event (date) is 2026-06-30",
            "1008 hours before --as-of 2026-08-12T00:00:00+00:00",
            "max_staleness_hours.usage_daily",
            "table tickets is stale",
            "--allow-stale",
        ],
    );
}

#[test]
fn allow_stale_turns_the_gate_into_a_warning() {
    let p = Project::new("");
    p.small_history();
    let run = on(
        &p,
        &["features", "--mode", "score"],
        "2026-08-11",
        &["--allow-stale"],
    );
    run.expect_code(0);
    let w = warnings(&run);
    assert!(w.contains("--allow-stale: table usage_daily is stale"), "{w}");
    assert!(!p.files_under("wh/features").is_empty());
}

#[test]
fn allow_stale_in_the_config_is_the_same_as_the_flag() {
    let p = Project::new("[validation]\nmax_bad_row_share = 0.0\nallow_stale = true\n");
    p.small_history();
    let run = on(&p, &["validate"], "2026-08-11", &[]);
    run.expect_code(0);
    assert!(warnings(&run).contains("--allow-stale: table tickets is stale"));
}

#[test]
fn a_stale_table_with_a_tight_limit_is_named_with_its_latest_event() {
    // NPS has no default gate; a 24-hour limit makes May answers stale on 2026-06-30.
    let p =
        Project::new("[validation]\nmax_bad_row_share = 0.0\nmax_staleness_hours = { nps_responses = 24 }\n");
    p.small_history();
    p.validate().expect_failure(
        BAD_DATA,
        &[
            "table nps_responses is stale",
            "(responded_at) is 2026-05-28T09:30:00+00:00",
            "limit is 24 hours",
        ],
    );
}

#[test]
fn zero_turns_one_gate_off_and_the_others_still_hold() {
    let p =
        Project::new("[validation]\nmax_bad_row_share = 0.0\nmax_staleness_hours = { usage_daily = 0 }\n");
    p.small_history();
    let run = on(&p, &["validate"], "2026-07-05", &[]);
    run.expect_failure(BAD_DATA, &["table tickets is stale"]);
    assert!(
        !run.stderr.contains("table usage_daily is stale"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_gated_table_with_no_event_up_to_the_run_is_stale() {
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/usage_daily/2026-06.csv",
        b"account_id,date,active_users,logins\n",
    );
    features_fail(
        &p,
        "2026-06-30",
        &[
            "table usage_daily is stale",
            "it has no event (date) up to --as-of",
        ],
    );
}

#[test]
fn freshness_limits_name_bad_keys_as_config_errors() {
    for (value, needles) in [
        (
            "{ accounts = 24 }",
            &[
                "validation.max_staleness_hours.accounts",
                "a table with an event time",
            ][..],
        ),
        (
            "{ usage = 24 }",
            &["validation.max_staleness_hours.usage", "usage_daily"][..],
        ),
        (
            "{ tickets = 100000 }",
            &["validation.max_staleness_hours.tickets", "100000"][..],
        ),
    ] {
        let p = Project::new(&format!("[validation]\nmax_staleness_hours = {value}\n"));
        p.small_history();
        p.validate().expect_failure(USAGE, needles);
        assert!(p.files_under("wh").is_empty(), "no output on a config error");
    }
}

// ---------------------------------------------------------------- quarantined parents

#[test]
fn one_bad_account_row_leaves_its_rows_out_and_names_itself() {
    // Issue #16: one bad accounts row (1%) used to fail the run on another table with
    // "no such account_id in table accounts".
    let p = Project::new("[validation]\nmax_bad_row_share = 0.01\n");
    p.small_history();
    p.edit(
        "history/accounts.csv",
        "a007,Account 7,mid-market",
        "a007,Account 7,galaxy",
    );
    let run = p.validate();
    run.expect_code(0);
    assert!(!run.stderr.contains("no such account_id"), "{}", run.stderr);
    let w = warnings(&run);
    assert!(
        w.contains(
            "table tickets: 2 rows left out because their account was quarantined (first: table accounts, file"
        ) && w.contains("row 8, column segment: value \"galaxy\""),
        "{w}"
    );
    let r = report(&p, "2026-06-30");
    assert_eq!(table(&r, "usage_daily")["rows_of_quarantined_accounts"], 3);
    assert_eq!(table(&r, "nps_responses")["rows_of_quarantined_accounts"], 1);
    assert_eq!(r["quarantined_rows"], 1, "only the accounts row itself");
}

#[test]
fn unknown_accounts_stay_bad_rows_next_to_a_quarantined_one() {
    let p = Project::new("[validation]\nmax_bad_row_share = 0.01\n");
    p.small_history();
    p.edit(
        "history/accounts.csv",
        "a007,Account 7,mid-market",
        "a007,Account 7,galaxy",
    );
    for i in 0..3 {
        p.edit(
            "history/tickets.csv",
            &format!("t000{i},a00{i}"),
            &format!("t000{i},zz{i}"),
        );
    }
    let run = p.validate();
    run.expect_failure(
        BAD_DATA,
        &[
            "table tickets",
            "column account_id",
            "\"zz0\"",
            "no such account_id",
        ],
    );
    assert!(
        !run.stderr.contains("\"a007\""),
        "the quarantined account's rows are not bad: {}",
        run.stderr
    );
}

#[test]
fn every_account_quarantined_names_the_first_bad_row() {
    let p = Project::new("[validation]\nmax_bad_row_share = 1.0\n");
    p.small_history();
    let text = std::fs::read_to_string(p.file("history/accounts.csv")).expect("accounts");
    p.write(
        "history/accounts.csv",
        text.replace(",smb,", ",x,")
            .replace(",mid-market,", ",x,")
            .replace(",enterprise,", ",x,")
            .as_bytes(),
    );
    features_fail(
        &p,
        "2026-06-30",
        &[
            "table accounts",
            "has no valid rows",
            "first problem",
            "row 1, column segment: value \"x\"",
        ],
    );
}

// ---------------------------------------------------------------- value ranges

#[test]
fn absurd_money_values_are_quarantined_by_name() {
    for (rel, from, to, needles) in [
        (
            "history/accounts.csv",
            "1000.5",
            "1e308",
            &[
                "table accounts",
                "row 1",
                "column arr",
                "\"1e308\"",
                "0 to 10000000000",
            ][..],
        ),
        (
            "history/accounts.csv",
            "2000.5",
            "inf",
            &["table accounts", "row 2", "column arr", "\"inf\"", "finite"][..],
        ),
        (
            "history/accounts.csv",
            "3000.5",
            "NaN",
            &["table accounts", "row 3", "column arr", "\"NaN\"", "finite"][..],
        ),
    ] {
        let p = Project::new("");
        p.small_history();
        p.edit(rel, from, to);
        features_fail(&p, "2026-06-30", needles);
    }
}

#[test]
fn absurd_subscription_and_escalation_values_are_quarantined() {
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/subscriptions.csv",
        b"account_id,start_date,end_date,arr,seats\na001,2026-01-01,2026-12-31,1000,50000000\n",
    );
    features_fail(
        &p,
        "2026-06-30",
        &[
            "table subscriptions",
            "row 1",
            "column seats",
            "\"50000000\"",
            "0 to 10000000",
        ],
    );
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/escalations.csv",
        b"escalation_id,account_id,opened_at,category,arr_at_risk\ne1,a001,2026-06-01T00:00:00Z,integration,3e15\n",
    );
    features_fail(
        &p,
        "2026-06-30",
        &["table escalations", "row 1", "column arr_at_risk", "\"3e15\""],
    );
}

#[test]
fn absurd_usage_counts_are_quarantined() {
    let p = Project::new("");
    p.small_history();
    p.edit(
        "history/usage_daily/2026-06.csv",
        "a000,2026-06-28,5,10",
        "a000,2026-06-28,5,5000000000",
    );
    features_fail(
        &p,
        "2026-06-30",
        &[
            "table usage_daily",
            "row 1",
            "column logins",
            "\"5000000000\"",
            "0 to 1000000000",
        ],
    );
    let p = Project::new("");
    p.small_history();
    p.write(
        "history/feature_usage.csv",
        b"account_id,date,feature,events\na001,2026-06-30,export,2000000000\n",
    );
    features_fail(
        &p,
        "2026-06-30",
        &["table feature_usage", "row 1", "column events", "\"2000000000\""],
    );
}

// ---------------------------------------------------------------- whole runs

/// A generated history (`accounts` accounts, 6 months to 2026-06-30) under the scoring
/// tests' config, with a champion trained as of `train_date`.
fn trained(accounts: &str, train_date: &str) -> Project {
    let p = Project::new("");
    p.config(&crate::score::config("wh", &crate::score::templates(), ""));
    p.generate(accounts, "history");
    on(&p, &["train"], train_date, &[]).expect_code(0);
    p
}

/// One staged score: account, probability (bits), risk score, tier, alert.
type Score = (String, u64, i64, Option<String>, bool);

/// The risk scores `vigil score` staged for a date, sorted by account.
fn staged_scores(p: &Project, date: &str) -> Vec<Score> {
    let path = p.file(&format!("wh/_staged/run_date={date}/risk_scores.parquet"));
    let df = ParquetReader::new(std::fs::File::open(path).expect("staged risk_scores"))
        .finish()
        .expect("parquet");
    let ids = df
        .column("account_id")
        .expect("account_id")
        .str()
        .expect("str")
        .clone();
    let prob = df
        .column("probability")
        .expect("probability")
        .f64()
        .expect("f64")
        .clone();
    let score = df
        .column("risk_score")
        .expect("risk_score")
        .cast(&DataType::Int64)
        .expect("i64");
    let score = score.i64().expect("i64").clone();
    let tier = df.column("tier").expect("tier").str().expect("str").clone();
    let alert = df.column("alert").expect("alert").bool().expect("bool").clone();
    let mut rows: Vec<Score> = (0..df.height())
        .map(|i| {
            (
                ids.get(i).expect("id").to_string(),
                prob.get(i).expect("probability").to_bits(),
                score.get(i).expect("score"),
                tier.get(i).map(str::to_string),
                alert.get(i).expect("alert"),
            )
        })
        .collect();
    rows.sort();
    rows
}

/// Copies every file of a generated table (a file or a folder of files) once more under
/// `history/<table>/copy-<name>`: the same export delivered twice.
fn deliver_twice(p: &Project, table: &str) -> usize {
    let mut copied = 0;
    let single = p.file(&format!("history/{table}.parquet"));
    let mut files: Vec<std::path::PathBuf> = p
        .files_under(&format!("history/{table}"))
        .iter()
        .map(|rel| p.file(&format!("history/{table}/{rel}")))
        .collect();
    if single.exists() {
        files.push(single);
    }
    for f in files {
        let name = f.file_name().expect("name").to_string_lossy().into_owned();
        p.write(
            &format!("history/{table}/copy-{name}"),
            &std::fs::read(&f).expect("read"),
        );
        copied += 1;
    }
    assert!(copied > 0, "{table} has files");
    copied
}

#[test]
fn usage_and_nps_delivered_twice_leave_scores_and_alerts_unchanged() {
    // Issue #16: a doubled table changed risk scores and alerts with exit 0 and no warning.
    let p = trained("300", "2026-06-30");
    on(&p, &["score"], "2026-06-30", &[]).expect_code(0);
    let once = staged_scores(&p, "2026-06-30");
    assert!(
        once.len() > 50 && once.iter().any(|s| s.4),
        "scores with alerts: {}",
        once.len()
    );
    deliver_twice(&p, "usage_daily");
    deliver_twice(&p, "nps_responses");
    let run = on(&p, &["score"], "2026-06-30", &[]);
    run.expect_code(0);
    let twice = staged_scores(&p, "2026-06-30");
    assert_eq!(once.len(), twice.len());
    for (a, b) in once.iter().zip(&twice) {
        assert_eq!(a, b, "score of {} changed by a doubled delivery", a.0);
    }
    let r = report(&p, "2026-06-30");
    for t in ["usage_daily", "nps_responses"] {
        let section = table(&r, t);
        let (read, dropped) = (
            section["rows_read"].as_u64(),
            section["duplicates_dropped"].as_u64(),
        );
        assert_eq!(
            read,
            dropped.map(|d| 2 * d),
            "every copied row dropped: {section}"
        );
        assert!(
            warnings(&run).contains(&format!("table {t}: ")),
            "{}",
            warnings(&run)
        );
    }
    assert_eq!(r["quarantined_rows"], 0);
}

#[test]
fn a_30_date_backfill_over_the_generated_history_succeeds() {
    // Issue #16: rows after --as-of were bad rows, so every run date from 06-27 back exited 3.
    let p = trained("300", "2026-06-01");
    for day in 1..=30 {
        let date = format!("2026-06-{day:02}");
        let run = on(&p, &["score"], &date, &[]);
        run.expect_code(0);
        assert!(!staged_scores(&p, &date).is_empty(), "{date} scored");
        let r = report(&p, &date);
        assert_eq!(r["quarantined_rows"], 0, "{date}");
        if day < 30 {
            let future = table(&r, "usage_daily")["rows_after_as_of"].as_u64().expect("n");
            assert!(future > 0, "{date}: later usage is future rows, not bad ones");
        }
    }
}
