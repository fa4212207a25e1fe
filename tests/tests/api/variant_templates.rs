//! Variants as templates: an organisation exports its published variant as a file and another
//! imports it as its own draft; the four presets are offered as templates and load as drafts.
//! An import keeps the importing organisation's identity (variant key, organisation, time zone,
//! calendar).

use crate::variant_admin::{DIFF, SAVE, problems};
use kurator_tests::casework::{Worker, version};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::json;

db_suites!(
    the_fund_exports_its_variant_and_the_state_centre_imports_it_as_a_draft,
    a_preset_loads_as_a_draft_of_the_organisations_own_variant,
);

const EXPORT: &str = "query($v: Int, $f: VariantFormat) {
    exportVariant(version: $v, format: $f) { fileName format content } }";
const IMPORT: &str = "mutation($d: String!, $f: VariantFormat!, $v: Int) {
    importVariantDraft(document: $d, format: $f, expectedVersion: $v) { version exists
        variant { key name { ru } timeZone calendar organisation { ru } stages { key } } } }";
const FROM_TEMPLATE: &str = "mutation($k: String!, $v: Int) {
    saveVariantDraftFromTemplate(key: $k, expectedVersion: $v) { version exists
        variant { key name { ru } timeZone calendar stages { key } } } }";

async fn the_fund_exports_its_variant_and_the_state_centre_imports_it_as_a_draft(backend: Backend) {
    let app = spawn_app(backend).await;
    let fund = Worker::sign_in(&app, "fund.admin").await;
    let centre = Worker::sign_in(&app, "state_centre.admin").await;

    // The fund's published version as a TOML file: the same text as `variant { toml }`.
    let file = fund.ok(EXPORT, json!({})).await["exportVariant"].clone();
    assert_eq!(file["fileName"], "fund-v1.toml");
    assert_eq!(file["format"], "TOML");
    let toml = file["content"].as_str().unwrap().to_owned();
    assert_eq!(
        toml,
        fund.ok("{ variant { toml } }", json!({})).await["variant"]["toml"]
    );
    assert!(toml.contains("key = \"plan_development\""));
    let json_file = fund.ok(EXPORT, json!({ "v": 1, "f": "JSON" })).await["exportVariant"].clone();
    assert_eq!(json_file["fileName"], "fund-v1.json");
    let unknown = fund.gql(EXPORT, json!({ "v": 9 })).await;
    assert_eq!(unknown.error_code(), "NOT_FOUND");

    // Saved as it is, another organisation's file is refused: its key is the fund's.
    let pasted = centre
        .gql(SAVE, json!({ "d": toml, "f": "TOML", "v": null }))
        .await;
    assert_eq!(problems(&pasted)[0].0, "variant_key_changed");

    // Imported, it becomes the centre's draft: the fund's method under the centre's key,
    // organisation, time zone and calendar.
    let imported = centre
        .gql(IMPORT, json!({ "d": toml, "f": "TOML", "v": null }))
        .await;
    assert!(imported.errors().is_empty(), "{:#}", imported.body);
    let draft = &imported.data()["importVariantDraft"];
    assert_eq!(draft["exists"], true);
    let own = centre
        .ok(
            "{ variant { key timeZone calendar organisation { ru } } }",
            json!({}),
        )
        .await["variant"]
        .clone();
    assert_eq!(draft["variant"]["key"], "state_centre");
    assert_eq!(draft["variant"]["timeZone"], own["timeZone"]);
    assert_eq!(draft["variant"]["calendar"], own["calendar"]);
    assert_eq!(draft["variant"]["organisation"], own["organisation"]);
    // The method keeps its own name; the administrator may rename it in the draft.
    assert!(
        draft["variant"]["name"]["ru"]
            .as_str()
            .unwrap()
            .starts_with("Технология работы со случаем")
    );
    assert!(
        draft["variant"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "plan_development")
    );
    // The centre sees what adopting the fund's method would change: its own stages go.
    let diff = centre.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    assert_eq!(diff["publishedVersion"], 1);
    assert_eq!(diff["breaking"], true);
    let changes = diff["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["path"] == "stages[diagnostic]" && c["reason"] == "stage_removed"),
        "{diff:#}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c["path"] == "stages[plan_development]" && c["kind"] == "ADDED"),
        "{diff:#}"
    );
    assert!(
        changes
            .iter()
            .all(|c| c["path"] != "key" && c["path"] != "time_zone" && c["path"] != "calendar"),
        "the identity stays the centre's: {diff:#}"
    );
    // Stages the shared indicators counted are gone: the guard warns.
    assert!(
        diff["vocabularyWarnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "vocabulary_mapping_removed" && w["key"] == "diagnostic"),
        "{diff:#}"
    );

    // The fund's own variant is untouched; the import is only the centre's draft.
    assert_eq!(
        fund.ok("{ variantDraft { exists } }", json!({})).await["variantDraft"]["exists"],
        false
    );
    // Importing is the administrator's: a curator may not.
    let curator = Worker::sign_in(&app, "state_centre.curator").await;
    let refused = curator
        .gql(
            IMPORT,
            json!({ "d": toml, "f": "TOML", "v": version(&imported, "importVariantDraft") }),
        )
        .await;
    assert_eq!(refused.error_code(), "FORBIDDEN");
}

async fn a_preset_loads_as_a_draft_of_the_organisations_own_variant(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "clinic.admin").await;
    let templates = admin
        .ok(
            "{ variantTemplates { key name { ru en } version calendar timeZone } }",
            json!({}),
        )
        .await["variantTemplates"]
        .clone();
    let keys: Vec<&str> = templates
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["fund", "volunteers", "state_centre", "clinic"]);
    assert!(
        templates
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["version"].as_i64() >= Some(1) && t["name"]["ru"].is_string())
    );
    let file = admin
        .ok(
            "query($k: String!) { variantTemplate(key: $k) { fileName format content } }",
            json!({ "k": "volunteers" }),
        )
        .await["variantTemplate"]
        .clone();
    assert_eq!(file["fileName"], "volunteers.toml");
    assert!(
        file["content"]
            .as_str()
            .unwrap()
            .contains("key = \"volunteers\"")
    );

    // The volunteers' preset as the clinic's draft: the volunteers' method, the clinic's key,
    // Almaty time and the Kazakh calendar.
    let loaded = admin
        .gql(FROM_TEMPLATE, json!({ "k": "volunteers", "v": null }))
        .await;
    assert!(loaded.errors().is_empty(), "{:#}", loaded.body);
    let draft = &loaded.data()["saveVariantDraftFromTemplate"];
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["variant"]["key"], "clinic");
    assert_eq!(draft["variant"]["calendar"], "kz");
    assert_eq!(draft["variant"]["timeZone"], "Asia/Almaty");
    assert!(
        draft["variant"]["stages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["key"] == "support")
    );
    let saved = admin
        .ok("{ variantDraft { format source } }", json!({}))
        .await["variantDraft"]
        .clone();
    assert_eq!(saved["format"], "TOML");
    assert!(
        saved["source"]
            .as_str()
            .unwrap()
            .contains("key = \"clinic\"")
    );

    // A stale draft version and an unknown template are refused; the draft stays.
    let stale = admin
        .gql(FROM_TEMPLATE, json!({ "k": "fund", "v": 0 }))
        .await;
    assert_eq!(stale.error_code(), "CONFLICT", "{:#}", stale.body);
    let unknown = admin
        .gql(FROM_TEMPLATE, json!({ "k": "orphanage", "v": 1 }))
        .await;
    assert_eq!(
        problems(&unknown),
        vec![(
            "variant_template_unknown".to_owned(),
            Some("key".to_owned())
        )]
    );
    // Its own preset loads as it is, its text untouched.
    let own = admin
        .gql(FROM_TEMPLATE, json!({ "k": "clinic", "v": 1 }))
        .await;
    assert!(own.errors().is_empty(), "{:#}", own.body);
    let source =
        admin.ok("{ variantDraft { source } }", json!({})).await["variantDraft"]["source"].clone();
    assert_eq!(source.as_str().unwrap(), preset_clinic());
}

fn preset_clinic() -> String {
    crate::variant_admin::preset("clinic")
}
