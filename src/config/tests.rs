//! Unit tests of config parsing, interpolation and redaction.

use super::*;

fn parse(text: &str) -> Result<PipelineConfig, ConfigError> {
    PipelineConfig::from_toml(Path::new("pipelines/t.toml"), text)
}

#[test]
fn minimal_config_gets_defaults() -> Result<(), ConfigError> {
    let c = parse("[warehouse]\nurl = \"out/wh\"\n")?;
    assert_eq!(c.options.window.lookback_months, 12);
    assert_eq!(c.options.validation.max_bad_row_share, 0.01);
    assert_eq!(c.root, PathBuf::from("."));
    assert_eq!(c.resolve("out/wh"), "./out/wh");
    assert_eq!(c.resolve("s3://b/x"), "s3://b/x");
    Ok(())
}

#[test]
fn unknown_key_names_key_file_and_allowed_keys() {
    let err = parse("[window]\nlookback = 12\n[warehouse]\nurl = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("pipelines/t.toml"), "{err}");
    assert!(err.contains("lookback"), "{err}");
    assert!(err.contains("lookback_months"), "{err}");
}

#[test]
fn out_of_range_value_names_allowed_range() {
    let err = parse("[window]\nlookback_months = 3\n[warehouse]\nurl = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("window.lookback_months") && err.contains("6 to 24"),
        "{err}"
    );
}

#[test]
fn unknown_source_table_is_rejected() {
    let err = parse("[sources]\ntickts = \"a.csv\"\n[warehouse]\nurl = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sources.tickts") && err.contains("tickets"), "{err}");
}

#[test]
fn interpolation_resolves_escapes_and_reports_missing() {
    let env = |k: &str| (k == "A").then(|| "alpha".to_string());
    assert_eq!(interpolate("x-${A}-$$-$B", &env), Ok("x-alpha-$-$B".into()));
    assert_eq!(interpolate("${MISSING}", &env), Err("MISSING".into()));
}

#[test]
fn secrets_are_redacted_in_debug() -> Result<(), ConfigError> {
    // SAFETY-free: the variable name is unique to this test.
    let text =
        "[storage.options]\naws_secret_access_key = \"${VIGIL_UNIT_SECRET_XYZ}\"\n[warehouse]\nurl = \"x\"\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(
        err.contains("VIGIL_UNIT_SECRET_XYZ") && err.contains("storage.options.aws_secret_access_key"),
        "{err}"
    );
    let c =
        parse("[storage.options]\naws_secret_access_key = \"hunter2-planted\"\n[warehouse]\nurl = \"x\"\n")?;
    let dbg = format!("{:?}", c.store_options);
    assert!(
        !dbg.contains("hunter2-planted") && dbg.contains("[redacted]"),
        "{dbg}"
    );
    Ok(())
}

#[test]
fn shipped_pipeline_configs_parse() -> Result<(), ConfigError> {
    let demo = PipelineConfig::from_toml(
        Path::new("pipelines/demo.toml"),
        include_str!("../../pipelines/demo.toml"),
    )?;
    assert_eq!(demo.options.demo.accounts, 2000);
    assert_eq!(demo.resolve("out/warehouse"), "./out/warehouse");
    let prod = PipelineConfig::from_toml(
        Path::new("pipelines/example-production.toml"),
        include_str!("../../pipelines/example-production.toml"),
    )?;
    assert!(prod.options.warehouse.url.starts_with("s3://"));
    // The production example spells out the default tiers.
    assert_eq!(prod.options.tiers, crate::score::tiers::TiersOptions::default());
    assert_eq!(
        prod.options
            .warehouse
            .postgres
            .as_ref()
            .map(|p| p.url_env.as_str()),
        Some("VIGIL_POSTGRES_URL")
    );
    Ok(())
}

#[test]
fn tiers_are_checked() {
    let level = |name: &str, min: u32| {
        format!(
            "[[tiers.levels]]\nname = \"{name}\"\nmin_score = {min}\nactions = [\"checkin_draft\"]\nowner = \"csm\"\nsla_hours = 24\n"
        )
    };
    let ok = parse(&format!(
        "[warehouse]\nurl = \"x\"\n{}{}",
        level("a", 10),
        level("b", 20)
    ));
    assert_eq!(ok.map(|c| c.options.tiers.levels.len()).ok(), Some(2));
    let err = parse(&format!(
        "[warehouse]\nurl = \"x\"\n{}{}",
        level("a", 20),
        level("b", 20)
    ))
    .map(|_| ())
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("tiers.levels[1].min_score") && err.contains("ascending"),
        "{err}"
    );
    let err = parse("[warehouse]\nurl = \"x\"\n[warehouse.postgres]\nschema = \"Bad-Name\"\n")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("warehouse.postgres.schema"), "{err}");
    let err = parse("[warehouse]\nurl = \"x\"\n[warehouse.postgres]\nca_file = \" \"\n")
        .map(|_| ())
        .unwrap_err()
        .to_string();
    assert!(err.contains("warehouse.postgres.ca_file"), "{err}");
    let ok = parse("[warehouse]\nurl = \"x\"\n[warehouse.postgres]\nca_file = \"certs/ca.pem\"\n")
        .expect("ca_file");
    let ca = ok.options.warehouse.postgres.and_then(|p| p.ca_file);
    assert_eq!(ca.as_deref(), Some("certs/ca.pem"));
}

#[test]
fn features_section_is_typed_and_checked() -> Result<(), ConfigError> {
    let c = parse("[features]\ncadence_hours = 12\n[warehouse]\nurl = \"x\"\n")?;
    assert_eq!(c.options.features.cadence_hours, 12);
    assert_eq!(c.options.features.horizon_hours, 72);
    let err = parse("[features]\ncadence = 12\n[warehouse]\nurl = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("cadence") && err.contains("cadence_hours"), "{err}");
    let err = parse("[features]\nhorizon_hours = 0\n[warehouse]\nurl = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("features.horizon_hours") && err.contains("1 to 720"),
        "{err}"
    );
    Ok(())
}

#[test]
fn sentiment_section_is_typed_and_checked() -> Result<(), ConfigError> {
    let c = parse(
        "[warehouse]\nurl = \"x\"\n[sentiment]\ntrain = true\nsources = [\"weak\"]\ndevice = \"flex\"\n[sentiment.training]\nepochs = 3\n",
    )?;
    assert!(c.options.sentiment.train);
    assert_eq!(c.options.sentiment.sources, [super::SentimentSource::Weak]);
    assert_eq!(c.options.sentiment.training.epochs, 3);
    assert_eq!(
        c.options.sentiment.training.max_len, 128,
        "unset keys keep their defaults"
    );
    let err = parse("[warehouse]\nurl = \"x\"\n[sentiment]\nmodle = \"m\"\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("modle") && err.contains("model"), "{err}");
    let err = parse("[warehouse]\nurl = \"x\"\n[sentiment]\nsources = [\"tweets\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("tweets") && err.contains("vader"), "{err}");
    let err = parse("[warehouse]\nurl = \"x\"\n[sentiment]\nvalid_share = 0.6\ntest_share = 0.5\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("sentiment.valid_share"), "{err}");
    let err = parse("[warehouse]\nurl = \"x\"\n[sentiment.training]\nepochs = 0\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("sentiment.training") && err.contains("epochs"),
        "{err}"
    );
    Ok(())
}
