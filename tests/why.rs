//! `runwarden why`: the decision for one request, on the bundled examples
//! and the fixtures that exercise each layer, in both formats, with the
//! exit status of the contract (0 allowed, 1 denied, 2 usage or cannot tell).

use assert_cmd::Command;
use std::path::Path;

fn why(dir: &str, args: &[&str]) -> (String, String, i32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::cargo_bin("runwarden")
        .unwrap()
        .current_dir(root.join(dir))
        .env("NO_COLOR", "1")
        .arg("why")
        .arg(".")
        .args(["--now", "2026-12-01"])
        .args(args)
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn quickstart_and_callers_examples() {
    let (out, _, code) = why(
        "examples/quickstart",
        &["--service", "api", "--member", "allUsers"],
    );
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("quickstart_public", out);

    let (out, _, code) = why(
        "examples/callers",
        &["--caller", "google_pubsub_subscription.push"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at allow"), "{out}");
    insta::assert_snapshot!("callers_push_missing_grant", out);

    let (out, _, code) = why(
        "examples/callers",
        &[
            "--caller",
            "google_pubsub_subscription.push",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["outcome"], "denied at allow");
    let layers: Vec<&str> = doc["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["layer"].as_str().unwrap())
        .collect();
    assert_eq!(layers, ["network", "deny", "allow", "token"]);
    assert!(doc["fix"].as_str().unwrap().contains("roles/run.invoker"));
    insta::assert_snapshot!("callers_push_missing_grant_json", out);

    let (out, _, code) = why(
        "examples/callers",
        &["--caller", "google_pubsub_subscription.noauth"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at network"), "{out}");
}

#[test]
fn each_layer_can_refuse() {
    let (out, _, code) = why(
        "fixtures/invoker-denied/project-deny-with-exception",
        &["--caller", "google_pubsub_subscription.orders"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at deny"), "{out}");
    assert!(
        out.contains("exception_principals of google_iam_deny_policy.run_lockdown"),
        "{out}"
    );

    let (out, _, code) = why(
        "fixtures/invoker-denied/project-deny-with-exception",
        &["--caller", "google_cloud_scheduler_job.gateway_ping"],
    );
    assert_eq!(code, 0, "{out}");

    let (out, _, code) = why(
        "fixtures/missing-invoker-grant/conditions-decided",
        &["--caller", "google_cloud_scheduler_job.contractor"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at condition"), "{out}");
    insta::assert_snapshot!("expired_condition", out);

    let (out, _, code) = why(
        "fixtures/missing-invoker-grant/conditions-decided",
        &["--caller", "google_cloud_scheduler_job.ledger"],
    );
    assert_eq!(code, 2, "cannot tell: {out}");
    assert!(out.contains("outcome: cannot tell"), "{out}");

    let (out, _, code) = why(
        "fixtures/oidc-audience-mismatch/literal-audience-not-in-custom-audiences",
        &["--caller", "google_cloud_scheduler_job.dunning"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at token"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (_, err, code) = why(
        "examples/callers",
        &["--caller", "google_pubsub_subscription.nope"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no caller at address"), "{err}");
    let (_, err, code) = why(
        "examples/quickstart",
        &["--service", "nope", "--member", "allUsers"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("no service"), "{err}");
    let (_, err, code) = why(
        "examples/quickstart",
        &["--service", "api", "--member", "bob"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("expected allUsers"), "{err}");
    let (_, _, code) = why("examples/quickstart", &[]);
    assert_eq!(code, 2);
}

#[test]
fn iap_on_the_external_path() {
    // IAP on the only external path, no IAP policy admitting the public: an
    // anonymous request from the internet stops at IAP (a second network
    // layer), as unauthenticated-internal says; the internal path is named.
    let dir = "fixtures/unauthenticated-internal/iap-on-the-only-external-path";
    let (out, _, code) = why(dir, &["--service", "portal", "--member", "allUsers"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("outcome: denied at network"), "{out}");
    assert!(
        out.contains("IAP on the backend google_compute_backend_service.portal"),
        "{out}"
    );
    assert!(out.contains("from inside the network"), "{out}");
    insta::assert_snapshot!("iap_backend_refuses_anonymous", out);

    let (out, _, code) = why(
        dir,
        &[
            "--service",
            "portal",
            "--member",
            "allUsers",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["outcome"], "denied at network");
    let layers: Vec<(&str, &str)> = doc["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["layer"].as_str().unwrap(), l["verdict"].as_str().unwrap()))
        .collect();
    assert_eq!(
        layers,
        [
            ("network", "pass"),
            ("network", "fail"),
            ("deny", "pass"),
            ("allow", "pass"),
            ("token", "pass")
        ]
    );
    assert!(
        doc["fix"]
            .as_str()
            .unwrap()
            .contains("google_iap_web_backend_service_iam_member")
    );

    // The same shape whose IAP policy admits allUsers: IAP lets the request
    // through and Cloud Run sees IAP's agent, let in by the allUsers grant.
    let dir = "fixtures/public-invoker/iap-backend-policy-admits-allusers";
    let (out, _, code) = why(dir, &["--service", "status-page", "--member", "allUsers"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("outcome: allowed"), "{out}");
    insta::assert_snapshot!("iap_backend_admits_allusers", out);

    // IAP's policy names a group, which may hold the user: cannot tell
    // (exit 2); so does a member that is not known.
    let (out, _, code) = why(
        "fixtures/unauthenticated-internal/iap-policy-names-only-a-group",
        &["--service", "expenses", "--member", "user:eve@example.com"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("group:finance@acme.example may contain"),
        "{out}"
    );
    let (out, _, code) = why(
        "fixtures/unauthenticated-internal/iap-on-the-only-external-path",
        &["--service", "portal", "--member", "user:eve@example.com"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("its requests are refused"), "{out}");
    let (out, _, code) = why(
        "fixtures/unauthenticated-internal/iap-policy-member-not-known",
        &["--service", "reports", "--member", "allUsers"],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("outcome: cannot tell"), "{out}");
    assert!(out.contains("var.iap_accessor has no value"), "{out}");

    // IAP on the service admitting allUsers.
    let (out, _, code) = why(
        "fixtures/public-invoker/iap-enabled-service-policy-allusers",
        &["--service", "signup", "--member", "allUsers"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("IAP on the service (iap_enabled) admits allUsers"),
        "{out}"
    );
}
