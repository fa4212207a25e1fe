//! Publishing a variant version: with the organisation's four-eyes rule a second administrator
//! approves what the first asked to publish; and a draft that breaks the mapping onto the shared
//! vocabulary is published with warnings, which the audit record keeps.

use crate::variant_admin::{DIFF, DRAFT, PUBLISH, edit, preset, problems, save};
use kurator_tests::app::DEMO_PASSWORD;
use kurator_tests::casework::{Worker, version};
use kurator_tests::{Backend, db_suites, spawn_app};
use serde_json::{Value, json};

db_suites!(
    publishing_needs_a_second_administrator_when_the_organisation_says_so,
    a_stage_remapped_onto_another_phase_is_published_with_a_vocabulary_warning,
);

const APPROVE: &str = "mutation($v: Int!) { approveVariantPublication(expectedDraftVersion: $v) {
    published version variant { version } pendingPublication { draftVersion }
    vocabularyWarnings { code path } } }";
const PENDING: &str = "{ variantDraft { version exists
    pendingPublication { draftVersion requestedBy requestedByName requestedAt } } }";

async fn audit(admin: &Worker<'_>, action: &str) -> Vec<Value> {
    admin
        .ok(
            "query($a: String) { auditLog(action: $a, first: 100) { action actorId after } }",
            json!({ "a": action }),
        )
        .await["auditLog"]
        .as_array()
        .unwrap()
        .clone()
}

/// A second organisation administrator for the fund, signed in.
async fn second_admin<'a>(app: &'a kurator_tests::TestApp, admin: &Worker<'_>) -> Worker<'a> {
    let created = admin
        .gql(
            "mutation($l: String!, $n: String!, $p: String!) {
                createMember(login: $l, displayName: $n, password: $p, role: ORG_ADMIN) { id } }",
            json!({ "l": "fund.admin.second", "n": "Ольга Второва", "p": DEMO_PASSWORD }),
        )
        .await;
    assert!(created.errors().is_empty(), "{:#}", created.body);
    Worker::sign_in(app, "fund.admin.second").await
}

async fn publishing_needs_a_second_administrator_when_the_organisation_says_so(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = Worker::sign_in(&app, "fund.admin").await;
    let second = second_admin(&app, &first).await;

    // Off by default; the administrator turns it on, and the caps reading is left alone.
    let settings = first
        .ok(
            "{ organisationSettings { version publishNeedsSecondAdmin } }",
            json!({}),
        )
        .await;
    assert_eq!(
        settings["organisationSettings"],
        json!({ "version": 0, "publishNeedsSecondAdmin": false })
    );
    let on = first
        .gql(
            "mutation { updateOrganisationSettings(version: 0, publishNeedsSecondAdmin: true) {
                version publishNeedsSecondAdmin caseloadCapsMode } }",
            json!({}),
        )
        .await;
    assert_eq!(
        on.data()["updateOrganisationSettings"],
        json!({ "version": 1, "publishNeedsSecondAdmin": true, "caseloadCapsMode": null })
    );
    // A form that knows only the caps reading does not switch the rule off.
    let caps = first
        .gql(
            "mutation { updateOrganisationSettings(version: 1, caseloadCapsMode: INDEPENDENT) {
                publishNeedsSecondAdmin } }",
            json!({}),
        )
        .await;
    assert_eq!(
        caps.data()["updateOrganisationSettings"]["publishNeedsSecondAdmin"],
        true
    );

    let renamed = edit(
        &preset("fund"),
        "name = { ru = \"Разработка плана\", en = \"Plan development\" }",
        "name = { ru = \"Разработка индивидуального плана\", en = \"Plan development\" }",
    );
    let saved = save(&first, &renamed).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let draft_version = version(&saved, "saveVariantDraft");

    // Nobody asked yet: nothing to approve.
    let unasked = second.gql(APPROVE, json!({ "v": draft_version })).await;
    assert_eq!(problems(&unasked)[0].0, "publication_not_requested");

    // The first administrator's publish is a request; nothing is published.
    let asked = first.gql(PUBLISH, json!({ "v": draft_version })).await;
    assert!(asked.errors().is_empty(), "{:#}", asked.body);
    let asked = &asked.data()["publishVariantDraft"];
    assert_eq!(asked["published"], false);
    assert_eq!(asked["version"], Value::Null);
    assert_eq!(asked["pendingPublication"]["draftVersion"], draft_version);
    assert_eq!(
        asked["pendingPublication"]["requestedBy"],
        first.user_id.as_str()
    );
    assert_eq!(
        first.ok("{ variant { version } }", json!({})).await["variant"]["version"],
        1
    );
    // The draft shows who asked and when, to both administrators.
    for admin in [&first, &second] {
        let pending = admin.ok(PENDING, json!({})).await["variantDraft"].clone();
        assert_eq!(pending["pendingPublication"]["draftVersion"], draft_version);
        assert_eq!(
            pending["pendingPublication"]["requestedBy"],
            first.user_id.as_str()
        );
        assert!(pending["pendingPublication"]["requestedAt"].is_string());
        assert!(pending["pendingPublication"]["requestedByName"].is_string());
    }

    // Nobody approves their own request.
    let own = first.gql(APPROVE, json!({ "v": draft_version })).await;
    assert_eq!(own.error_code(), "BAD_USER_INPUT", "{:#}", own.body);
    assert_eq!(problems(&own)[0].0, "publication_needs_second_admin");

    // A draft saved after the request makes it stale.
    let changed = edit(
        &renamed,
        "name = { ru = \"Реализация шагов плана\", en = \"Plan implementation\" }",
        "name = { ru = \"Выполнение плана\", en = \"Plan implementation\" }",
    );
    let resaved = first
        .gql(
            crate::variant_admin::SAVE,
            json!({ "d": changed, "f": "TOML", "v": draft_version }),
        )
        .await;
    assert!(resaved.errors().is_empty(), "{:#}", resaved.body);
    let newer = version(&resaved, "saveVariantDraft");
    assert_eq!(
        second.ok(PENDING, json!({})).await["variantDraft"]["pendingPublication"],
        Value::Null
    );
    let stale = second.gql(APPROVE, json!({ "v": newer })).await;
    assert_eq!(problems(&stale)[0].0, "publication_request_stale");
    let outdated = second.gql(APPROVE, json!({ "v": draft_version })).await;
    assert_eq!(outdated.error_code(), "CONFLICT", "{:#}", outdated.body);

    // Asked again for the draft as it is now, the second administrator publishes it.
    let asked = first.gql(PUBLISH, json!({ "v": newer })).await;
    assert_eq!(asked.data()["publishVariantDraft"]["published"], false);
    let approved = second.gql(APPROVE, json!({ "v": newer })).await;
    assert!(approved.errors().is_empty(), "{:#}", approved.body);
    let approved = &approved.data()["approveVariantPublication"];
    assert_eq!(approved["published"], true);
    assert_eq!(approved["version"], 2);
    assert_eq!(approved["variant"]["version"], 2);
    assert_eq!(
        first.ok(DRAFT, json!({})).await["variantDraft"]["exists"],
        false
    );
    // Published once: the request cannot be approved again.
    let again = second.gql(APPROVE, json!({ "v": newer + 1 })).await;
    assert_eq!(problems(&again)[0].0, "variant_draft_missing");

    // Both steps are in the audit trail: the requests by the first, the publication by the
    // second, naming who asked.
    let requests = audit(&first, "variant.publication.request").await;
    assert_eq!(requests.len(), 2, "{requests:#?}");
    assert!(
        requests
            .iter()
            .all(|r| r["actorId"] == first.user_id.as_str())
    );
    assert_eq!(requests[1]["after"]["draft_version"], newer);
    let publications = audit(&first, "variant.publish").await;
    assert_eq!(publications.len(), 1, "{publications:#?}");
    assert_eq!(publications[0]["actorId"], second.user_id.as_str());
    assert_eq!(
        publications[0]["after"]["requested_by"],
        first.user_id.as_str()
    );
    assert_eq!(
        publications[0]["after"]["approved_by"],
        second.user_id.as_str()
    );
    assert_eq!(publications[0]["after"]["version"], 2);
}

// The state centre files its diagnostic stage («Диагностический этап», seed 003 §3) under the
// canonical phase `planning` instead of `assessment`: indicators that compare organisations by
// phase would count its cases elsewhere from now on.
async fn a_stage_remapped_onto_another_phase_is_published_with_a_vocabulary_warning(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = Worker::sign_in(&app, "state_centre.admin").await;
    let remapped = edit(
        &preset("state_centre"),
        "name = { ru = \"Диагностический этап\", en = \"Diagnostic stage\" }\nphase = \"assessment\"",
        "name = { ru = \"Диагностический этап\", en = \"Diagnostic stage\" }\nphase = \"planning\"",
    );
    let saved = save(&admin, &remapped).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let diff = admin.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    let warnings = diff["vocabularyWarnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1, "{diff:#}");
    let warning = &warnings[0];
    assert_eq!(warning["code"], "vocabulary_mapping_changed");
    assert_eq!(warning["item"], "stage");
    assert_eq!(warning["key"], "diagnostic");
    assert_eq!(warning["path"], "stages[diagnostic].phase");
    assert_eq!(
        (&warning["from"], &warning["to"]),
        (&json!("assessment"), &json!("planning"))
    );
    assert!(
        warning["message"].as_str().unwrap().contains("diagnostic"),
        "{warning:#}"
    );

    // Publishing goes ahead and answers the same warning.
    let published = admin
        .gql(PUBLISH, json!({ "v": version(&saved, "saveVariantDraft") }))
        .await;
    assert!(published.errors().is_empty(), "{:#}", published.body);
    let published = &published.data()["publishVariantDraft"];
    assert_eq!(published["published"], true);
    assert_eq!(published["version"], 2);
    assert_eq!(
        published["vocabularyWarnings"],
        json!([{ "code": "vocabulary_mapping_changed", "path": "stages[diagnostic].phase",
            "from": "assessment", "to": "planning" }])
    );
    let record = &audit(&admin, "variant.publish").await[0];
    assert_eq!(
        record["after"]["vocabulary_warnings"],
        json!([{ "code": "vocabulary_mapping_changed", "path": "stages[diagnostic].phase" }])
    );

    // A label changed alone breaks nothing.
    let relabelled = edit(
        &remapped,
        "name = { ru = \"Диагностический этап\", en = \"Diagnostic stage\" }",
        "name = { ru = \"Диагностика семьи\", en = \"Diagnostic stage\" }",
    );
    let saved = save(&admin, &relabelled).await;
    assert!(saved.errors().is_empty(), "{:#}", saved.body);
    let diff = admin.ok(DIFF, json!({})).await["variantDraftDiff"].clone();
    assert_eq!(diff["vocabularyWarnings"], json!([]), "{diff:#}");
}
