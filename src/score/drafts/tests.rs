//! Draft templates: start-up validation, scenario choice, and golden files of every draft
//! type on a fixture account (`tests/golden/drafts/`; `VIGIL_UPDATE_GOLDEN=1` rewrites them).

use super::fixture::{as_of, at, newcomer, northwind, shipped, shipped_dir};
use super::*;
use crate::score::routing;
use crate::score::tiers::{TierLevel, TiersOptions};
use chrono::TimeDelta;
use std::path::Path;

/// The routing extras of the first default tier that triggers `action`.
fn extra_for(action: &str) -> DraftExtra {
    let tiers = TiersOptions::default();
    let level = tiers
        .levels
        .iter()
        .chain(tiers.watch.as_ref())
        .find(|l| l.actions.iter().any(|a| a == action))
        .expect("a default tier triggers the action");
    DraftExtra {
        owner: level.owner.clone(),
        notify: level.notify.clone(),
        due_by: as_of() + TimeDelta::hours(i64::from(level.sla_hours)),
        sla_hours: level.sla_hours,
    }
}

fn draft(drafts: &Drafts, action: &str, brief: &AccountBrief) -> String {
    drafts
        .render(action, brief, &extra_for(action))
        .expect("renders")
        .expect("the action drafts")
}

/// The body of `action` when `brief` is routed with the default tiers (which must trigger it).
fn routed(drafts: &Drafts, action: &str, brief: &AccountBrief) -> String {
    let tiers = TiersOptions::default();
    let level = routing::tier(brief.risk_score, brief.alert, &tiers).expect("a tier");
    let rows = routing::actions(brief, level, as_of(), drafts).expect("routes");
    let row = rows
        .into_iter()
        .find(|a| a.action == action)
        .expect("the tier triggers the action");
    row.body.expect("the action drafts")
}

/// Compares `text` with `tests/golden/drafts/<name>.txt` exactly (rewritten first with
/// `VIGIL_UPDATE_GOLDEN=1`).
fn assert_golden(name: &str, text: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/drafts")
        .join(format!("{name}.txt"));
    if std::env::var("VIGIL_UPDATE_GOLDEN").is_ok_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("create the golden folder");
        std::fs::write(&path, text).expect("write the golden file");
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with VIGIL_UPDATE_GOLDEN=1 to create it)",
            path.display()
        )
    });
    assert!(
        want == text,
        "{name} draft differs from {}; review and rerun with VIGIL_UPDATE_GOLDEN=1 if intended.\n--- got ---\n{text}",
        path.display()
    );
    assert_eq!(
        tidy(text),
        text,
        "{name}: tidy text (no trailing spaces, no runs of blank lines)"
    );
    assert!(!text.contains("\n\n\n"), "{name}: a run of blank lines");
}

#[test]
fn golden_checkin_draft() {
    assert_golden(
        "checkin_draft",
        &routed(&shipped(), "checkin_draft", &at(northwind(), 0.64)),
    );
}

#[test]
fn golden_war_room() {
    assert_golden("war_room", &routed(&shipped(), "war_room", &northwind()));
}

#[test]
fn golden_exec_briefing() {
    assert_golden(
        "exec_briefing",
        &routed(&shipped(), "exec_briefing", &at(northwind(), 0.93)),
    );
}

#[test]
fn golden_exec_outreach() {
    assert_golden(
        "exec_outreach",
        &routed(&shipped(), "exec_outreach", &at(northwind(), 0.96)),
    );
}

/// Guards the empty sections: an account with nothing on record still reads well.
#[test]
fn golden_drafts_of_an_account_with_nothing_on_record() {
    let drafts = shipped();
    let cases = [
        ("checkin_draft_no_tickets", "checkin_draft", 0.62),
        ("war_room_no_history", "war_room", 0.82),
        ("exec_briefing_no_history", "exec_briefing", 0.91),
    ];
    for (golden, action, probability) in cases {
        assert_golden(golden, &routed(&drafts, action, &at(newcomer(), probability)));
    }
}

/// The customer reads the check-in and the executive's note: no internal vocabulary, in any
/// scenario.
#[test]
fn customer_facing_drafts_never_mention_scores_or_risk() {
    let drafts = shipped();
    let categories = CATEGORIES
        .iter()
        .map(|c| Some(c.to_string()))
        .chain([None, Some("other".into())]);
    for category in categories {
        let brief = AccountBrief {
            predicted_category: category.clone(),
            ..northwind()
        };
        for action in ["checkin_draft", "exec_outreach"] {
            let text = draft(&drafts, action, &brief).to_lowercase();
            for word in ["risk", "score", "escalat", "tier", "churn", "probab", "vigil"] {
                assert!(
                    !text.contains(word),
                    "{action} ({category:?}) mentions {word:?}:\n{text}"
                );
            }
        }
    }
    let checkin = draft(&drafts, "checkin_draft", &northwind());
    assert!(
        checkin.contains("Shipment sync to SAP failing since Monday"),
        "names the recent issues"
    );
    assert!(checkin.contains("15 minutes"), "proposes a 15-minute call");
}

#[test]
fn scenario_is_chosen_by_category_with_a_generic_fallback() {
    let drafts = shipped();
    for c in CATEGORIES {
        assert_eq!(drafts.scenario_for(Some(c)), format!("scenarios/{c}.j2"));
    }
    assert_eq!(drafts.scenario_for(None), "scenarios/generic.j2");
    assert_eq!(
        drafts.scenario_for(Some("billing_mystery")),
        "scenarios/generic.j2"
    );
    let war_room = |category: Option<&str>| {
        let brief = AccountBrief {
            predicted_category: category.map(String::from),
            ..northwind()
        };
        draft(&drafts, "war_room", &brief)
    };
    assert!(war_room(Some("integration")).contains("solutions engineer review the customer's integration"));
    assert!(
        war_room(Some("pricing_dispute")).contains("(in 62 days)"),
        "scenario macros see the account"
    );
    assert!(war_room(None).contains("Confirm the executive sponsor on both sides"));
    assert!(war_room(Some("billing_mystery")).contains("Confirm the executive sponsor on both sides"));
}

#[test]
fn only_actions_with_a_template_draft() {
    let drafts = shipped();
    let have: Vec<&str> = drafts.actions().collect();
    assert_eq!(
        have,
        ["checkin_draft", "exec_briefing", "exec_outreach", "war_room"]
    );
    let none = drafts
        .render("watchlist", &northwind(), &extra_for("watchlist"))
        .expect("renders");
    assert_eq!(none, None);
}

/// A folder with the generic scenario, and `files` (name, source) on top.
fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir(dir.path().join("scenarios")).expect("scenarios folder");
    let generic = std::fs::read_to_string(shipped_dir().join("scenarios/generic.j2")).expect("generic");
    std::fs::write(dir.path().join("scenarios/generic.j2"), generic).expect("write generic");
    for (name, source) in files {
        std::fs::write(dir.path().join(name), source).expect("write template");
    }
    dir
}

/// Tiers whose only action is `action`.
fn tiers_with(action: &str) -> TiersOptions {
    TiersOptions {
        templates: String::new(),
        watch: None,
        levels: vec![TierLevel {
            name: "moderate".into(),
            min_score: 60,
            actions: vec![action.into()],
            owner: "csm".into(),
            notify: vec![],
            sla_hours: 48,
        }],
    }
}

fn load_err(files: &[(&str, &str)], tiers: &TiersOptions) -> DraftError {
    let dir = folder(files);
    load(dir.path(), tiers, crate::contract::Taxonomy::builtin()).expect_err("the templates must be rejected")
}

/// The brief's first requirement: a typo is a start-up error, not a blank in an email.
#[test]
fn a_missing_variable_fails_at_load_naming_file_line_and_variable() {
    let src = "Subject: hello\n\nHi {{ nmae }} team,\n";
    let err = load_err(&[("checkin_draft.j2", src)], &tiers_with("checkin_draft"));
    let DraftError::UnknownVariable {
        file,
        line,
        variable,
        suggestion,
    } = &err
    else {
        panic!("wrong error: {err}");
    };
    assert!(file.ends_with("checkin_draft.j2"), "{}", file.display());
    assert_eq!(
        (*line, variable.as_str(), suggestion.as_deref()),
        (Some(3), "nmae", Some("name"))
    );
    let msg = err.to_string();
    assert!(
        msg.contains("checkin_draft.j2, line 3: unknown variable `nmae` (did you mean `name`?)"),
        "{msg}"
    );
}

#[test]
fn a_misspelt_nested_field_fails_at_load() {
    let src = "{% if resolution %}{{ resolution.mean_dayz|days }}{% endif %}\n";
    let err = load_err(&[("war_room.j2", src)], &tiers_with("war_room"));
    assert!(
        matches!(&err, DraftError::UnknownVariable { variable, suggestion: Some(s), line: Some(1), .. }
            if variable == "resolution.mean_dayz" && s == "resolution.mean_days"),
        "{err}"
    );
}

/// Static analysis cannot see into loop items: the strict trial render catches them.
#[test]
fn a_misspelt_field_of_a_list_item_fails_at_load() {
    let src = "Tickets:\n{% for t in recent_tickets %}\n- {{ t.subjet }}\n{% endfor %}\n";
    let err = load_err(&[("checkin_draft.j2", src)], &tiers_with("checkin_draft"));
    let DraftError::Render(failure) = &err else {
        panic!("wrong error: {err}")
    };
    let RenderFailure {
        file,
        line,
        expression,
        ..
    } = failure.as_ref();
    assert!(file.ends_with("checkin_draft.j2"));
    assert_eq!((*line, expression.as_str()), (Some(3), "t.subjet"));
}

/// An optional field read without `{% if %}` would fail on the first account without it.
#[test]
fn an_unguarded_optional_field_fails_at_load() {
    let src = "Estimate: {{ resolution.mean_days|days }}\n";
    let err = load_err(&[("war_room.j2", src)], &tiers_with("war_room"));
    let DraftError::Render(failure) = &err else {
        panic!("wrong error: {err}")
    };
    let RenderFailure {
        line,
        source_line,
        case,
        ..
    } = failure.as_ref();
    assert_eq!(
        (*line, source_line.as_str()),
        (Some(1), "Estimate: {{ resolution.mean_days|days }}")
    );
    assert!(case.contains("no optional field set"), "{case}");
}

#[test]
fn a_scenario_without_a_required_macro_fails_at_load() {
    let dir = folder(&[(
        "war_room.j2",
        "{% import scenario as s %}{{ s.next_actions() }}\n",
    )]);
    std::fs::write(
        dir.path().join("scenarios/performance.j2"),
        "{% macro approach() %}x{% endmacro %}\n",
    )
    .expect("write scenario");
    let err = load(
        dir.path(),
        &tiers_with("war_room"),
        crate::contract::Taxonomy::builtin(),
    )
    .expect_err("rejected");
    let DraftError::Render(failure) = &err else {
        panic!("wrong error: {err}")
    };
    assert!(failure.case.contains("scenarios/performance.j2"), "{err}");
}

#[test]
fn missing_files_and_bad_syntax_fail_at_load() {
    let err = load_err(&[], &tiers_with("exec_briefing"));
    assert!(
        matches!(&err, DraftError::MissingTemplate { action, .. } if action == "exec_briefing"),
        "{err}"
    );
    // Actions without a shipped template need none.
    let dir = folder(&[]);
    assert!(
        load(
            dir.path(),
            &tiers_with("csm_review"),
            crate::contract::Taxonomy::builtin()
        )
        .is_ok()
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    let err = load(
        dir.path(),
        &tiers_with("csm_review"),
        crate::contract::Taxonomy::builtin(),
    )
    .expect_err("no generic scenario");
    assert!(matches!(err, DraftError::MissingScenario { .. }), "{err}");
    let err = load_err(
        &[("war_room.j2", "a\n{% if arr %}\n{{ arr }\n")],
        &tiers_with("war_room"),
    );
    assert!(matches!(&err, DraftError::Syntax { line: Some(3), .. }), "{err}");
    let err = load_err(&[("War-Room.j2", "x")], &tiers_with("csm_review"));
    assert!(matches!(err, DraftError::BadName { .. }), "{err}");
    let err = load(
        Path::new("/nonexistent/vigil/templates"),
        &tiers_with("csm_review"),
        crate::contract::Taxonomy::builtin(),
    )
    .expect_err("no dir");
    assert!(matches!(err, DraftError::Io { .. }), "{err}");
}

/// A user's own action drafts as soon as its template exists.
#[test]
fn a_users_own_action_drafts_from_its_template() {
    let dir = folder(&[(
        "renewal_review.j2",
        "Renewal review for {{ name }}, due {{ due_by }}.\n",
    )]);
    let drafts = load(
        dir.path(),
        &tiers_with("renewal_review"),
        crate::contract::Taxonomy::builtin(),
    )
    .expect("loads");
    let text = drafts
        .render("renewal_review", &northwind(), &extra_for("checkin_draft"))
        .expect("renders");
    assert_eq!(
        text.as_deref(),
        Some("Renewal review for Northwind Logistics, due 2024-05-16 06:00 UTC.\n")
    );
}

#[test]
fn tidy_collapses_blank_runs_and_trailing_space() {
    assert_eq!(tidy("\n\na  \n\n\n\nb\n\n"), "a\n\nb\n");
    assert_eq!(tidy(""), "");
}

#[test]
fn configured_categories_find_their_scenario_by_slug() {
    let scenario =
        std::fs::read_to_string(shipped_dir().join("scenarios/team_transition.j2")).expect("scenario");
    let dir = folder(&[("scenarios/champion_change.j2", &scenario)]);
    let mut taxonomy = crate::contract::Taxonomy::default();
    taxonomy.categories.values = crate::contract::taxonomy::ValueSet::new(["Outage", "Champion change"]);
    let drafts = load(dir.path(), &tiers_with("csm_review"), &taxonomy).expect("loads");
    assert_eq!(
        drafts.scenario_for(Some("Champion change")),
        "scenarios/champion_change.j2"
    );
    assert_eq!(drafts.scenario_for(Some("Outage")), "scenarios/generic.j2");
}
