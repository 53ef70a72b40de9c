//! Table tests of the evaluator with the google provider's computed
//! attributes: an expression in a small configuration, and the value it
//! must give or the kind of unknown it must end in.

use runwarden::eval::{Evaluator, Inputs, Reference, UnknownKind, Value};
use runwarden::load::{self, LoadOptions};

const CONFIG: &str = r#"
provider "google" {
  project = "acme-prod"
}

resource "random_id" "suffix" {
  byte_length = 4
}

resource "google_cloud_run_v2_service" "svc" {
  name     = "api"
  location = "europe-west1"
  template {
    containers { image = "x" }
  }
}

resource "google_cloud_run_v2_service" "named" {
  name     = "api-${random_id.suffix.hex}"
  location = "europe-west1"
  template {
    containers { image = "x" }
  }
}

resource "google_service_account" "sa" {
  account_id = "runner"
}

resource "google_service_account" "random" {
  account_id = "sa-${random_id.suffix.hex}"
}

data "google_service_account" "by_email" {
  account_id = "ci@other-project.iam.gserviceaccount.com"
}

data "google_service_account" "by_id" {
  account_id = "deployer"
  project    = "acme-tools"
}

resource "google_secret_manager_secret" "secret" {
  project   = "acme-secrets"
  secret_id = "s"
}

resource "google_cloud_run_v2_service_iam_member" "keyed" {
  for_each = toset([random_id.suffix.hex])
  name     = "api"
  role     = "roles/run.invoker"
  member   = "allUsers"
}

variable "missing" {
  type = string
}

variable "null_default" {
  type    = string
  default = null
}

locals {
  a     = local.b
  b     = [local.a]
  bad   = {}.nope
  ok    = "fine"
  same  = var.missing == "x" ? "same" : "same"
  limit = [for i in range(3) : i * 2]
}
"#;

fn eval_all(exprs: &[&str]) -> Vec<Value> {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("main.tf"), CONFIG).unwrap();
    let exclude = globset::GlobSet::empty();
    let ws = load::load(
        &[d.path().to_path_buf()],
        &LoadOptions {
            cwd: d.path(),
            source_root: d.path(),
            exclude: &exclude,
            var_files: &[],
            keep_body: runwarden::provider::keeps_body,
        },
    )
    .unwrap();
    let ev = Evaluator::new(
        &ws,
        ws.roots[0],
        &Inputs::default(),
        &runwarden::provider::Google,
    );
    exprs
        .iter()
        .map(|x| {
            let e = runwarden::syntax::parse_expression(x).unwrap_or_else(|| panic!("parse {x}"));
            ev.eval(&e, &ev.root_ctx())
        })
        .collect()
}

fn eval(expr: &str) -> Value {
    eval_all(&[expr]).remove(0)
}

fn kind(v: &Value) -> Option<&UnknownKind> {
    match v {
        Value::Unknown(u) => Some(&u.kind),
        _ => None,
    }
}

fn after_apply(v: &Value) -> bool {
    matches!(kind(v), Some(UnknownKind::AfterApply(_)))
}

fn r(resource: &str, path: &str) -> Value {
    Value::Ref(Reference::new(resource, path))
}

#[test]
fn nothing_is_decided_on_a_value_known_after_apply() {
    for x in [
        r#"google_cloud_run_v2_service.svc.uri == "x" ? "api" : "web""#,
        "google_cloud_run_v2_service.svc.uri + 1",
        r#"try(google_cloud_run_v2_service.svc.uri + 1, "fallback")"#,
        "substr(google_cloud_run_v2_service.svc.uri, 2, 10)",
        r#"google_cloud_run_v2_service.svc.uri != "x""#,
        "!google_cloud_run_v2_service.svc.traffic_statuses",
        "[for s in google_cloud_run_v2_service.svc.urls : s]",
        r#"{ (google_cloud_run_v2_service.svc.uri) = 1 }"#,
        "length(google_cloud_run_v2_service.svc.uri)",
    ] {
        let v = eval(x);
        assert!(after_apply(&v), "{x} gave {v:?}");
    }
}

#[test]
fn partial_strings_are_data() {
    assert_eq!(
        eval(r#""api-${random_id.suffix.hex}""#)
            .text()
            .unwrap()
            .to_string(),
        "api-${random_id.suffix.hex}"
    );
    // Terraform's escape is a literal, never a reference.
    assert_eq!(eval(r#""$${literal}""#), Value::str("${literal}"));
    // A configured name known only in part is a reference to the attribute,
    // so whatever names the service through it stays linked to it.
    assert_eq!(
        eval("google_cloud_run_v2_service.named.name"),
        r("google_cloud_run_v2_service.named", "name")
    );
    assert_eq!(
        eval("google_cloud_run_v2_service.svc.name"),
        Value::str("api")
    );
    let v = eval("google_cloud_run_v2_service.svc.status[0].url");
    assert_eq!(v, r("google_cloud_run_v2_service.svc", "status[0].url"));
}

#[test]
fn provider_computed_attributes() {
    assert_eq!(
        eval("google_service_account.sa.email"),
        Value::str("runner@acme-prod.iam.gserviceaccount.com")
    );
    assert_eq!(
        eval("google_service_account.sa.member"),
        Value::str("serviceAccount:runner@acme-prod.iam.gserviceaccount.com")
    );
    assert_eq!(
        eval("google_service_account.sa.id"),
        Value::str("projects/acme-prod/serviceAccounts/runner@acme-prod.iam.gserviceaccount.com")
    );
    // An account id known only in part: the email stays a reference.
    assert_eq!(
        eval("google_service_account.random.email"),
        r("google_service_account.random", "email")
    );
    assert_eq!(
        eval("google_service_account.random.member")
            .text()
            .unwrap()
            .to_string(),
        "serviceAccount:${google_service_account.random.email}"
    );
    // The data source takes a full email as account_id.
    assert_eq!(
        eval("data.google_service_account.by_email.email"),
        Value::str("ci@other-project.iam.gserviceaccount.com")
    );
    assert_eq!(
        eval("data.google_service_account.by_id.email"),
        Value::str("deployer@acme-tools.iam.gserviceaccount.com")
    );
    assert_eq!(
        eval("google_cloud_run_v2_service.svc.id"),
        Value::str("projects/acme-prod/locations/europe-west1/services/api")
    );
}

#[test]
fn a_body_that_is_not_kept_never_answers_with_a_default() {
    // The secret sets its own project; its body is not read by the model,
    // so its project is a reference, not the provider's project.
    assert_eq!(
        eval("google_secret_manager_secret.secret.project"),
        r("google_secret_manager_secret.secret", "project")
    );
}

#[test]
fn unknowns_say_why() {
    assert!(matches!(
        kind(&eval("var.missing")),
        Some(UnknownKind::NoValue(v)) if &**v == "missing"
    ));
    assert_eq!(eval("var.null_default"), Value::Null);
    assert!(matches!(
        kind(&eval("local.bad")),
        Some(UnknownKind::Error(_))
    ));
    assert!(matches!(
        kind(&eval("self.x")),
        Some(UnknownKind::NotModelled(_))
    ));
    assert!(matches!(
        kind(&eval(r#"unknownfn("x")"#)),
        Some(UnknownKind::NotModelled(_))
    ));
    // try() catches errors only; can() of an unknown is unknown, not false.
    assert_eq!(eval(r#"try(local.bad, "x")"#), Value::str("x"));
    assert!(matches!(
        kind(&eval("can(var.missing)")),
        Some(UnknownKind::NoValue(_))
    ));
    assert_eq!(eval("can(local.bad)"), Value::Bool(false));
    // Both branches agree: the unknown condition does not matter.
    assert_eq!(eval("local.same"), Value::str("same"));
    assert_eq!(
        eval("local.limit"),
        Value::list(vec![
            Value::Number(0.0),
            Value::Number(2.0),
            Value::Number(4.0)
        ])
    );
}

#[test]
fn a_cycle_is_a_cycle_whatever_is_asked_first() {
    for order in [["local.a", "local.b"], ["local.b", "local.a"]] {
        let vals = eval_all(&order);
        for (x, v) in order.iter().zip(&vals) {
            assert!(
                matches!(kind(v), Some(UnknownKind::Cycle)),
                "{x} after {order:?}: {v:?}"
            );
        }
    }
}

#[test]
fn instances_whose_keys_are_known_after_apply_still_exist() {
    // for_each over a value known only after apply: one instance stands for
    // all, and references to it stay references.
    let v = eval("google_cloud_run_v2_service_iam_member.keyed");
    assert_eq!(v, r("google_cloud_run_v2_service_iam_member.keyed", ""));
    // One instance by key: the representative instance, whose configured
    // attributes are known whatever the key; computed ones stay references.
    let v = eval(r#"google_cloud_run_v2_service_iam_member.keyed["k"].member"#);
    assert_eq!(v, Value::str("allUsers"));
    let v = eval(r#"google_cloud_run_v2_service_iam_member.keyed["k"].etag"#);
    assert!(after_apply(&v) || matches!(v, Value::Ref(_)), "{v:?}");
}

#[test]
fn json_documents_keep_their_references() {
    let v = eval("jsonencode({ members = [google_service_account.random.member] })");
    assert_eq!(
        v.text().unwrap().to_string(),
        r#"{"members":["serviceAccount:${google_service_account.random.email}"]}"#
    );
    let back = eval("jsondecode(jsonencode({ m = google_service_account.random.email }))");
    let Value::Map(m) = back else {
        panic!("{back:?}")
    };
    assert_eq!(m["m"], r("google_service_account.random", "email"));
}

#[test]
fn file_digests_hash_the_raw_bytes_of_the_file() {
    let got = eval_all(&[
        r#"filesha256("main.tf")"#,
        r#"sha256(file("main.tf"))"#,
        r#"filemd5("./main.tf")"#,
        r#"md5(file("main.tf"))"#,
        r#"filebase64sha512("main.tf")"#,
        r#"base64sha512(file("main.tf"))"#,
    ]);
    for pair in got.chunks(2) {
        assert!(
            matches!(&pair[0], Value::String(s) if !s.is_empty()),
            "{:?}",
            pair[0]
        );
        assert_eq!(pair[0], pair[1]);
    }
    assert!(!matches!(
        eval(r#"filesha1("missing.tf")"#),
        Value::String(_)
    ));
}

#[test]
fn numbers_and_json_as_terraform_prints_them() {
    let cases = [
        (
            "toset([10, 9, 100])",
            Value::list(vec![
                Value::Number(9.0),
                Value::Number(10.0),
                Value::Number(100.0),
            ]),
        ),
        (
            r#"toset(["10", "9"])"#,
            Value::list(vec![Value::str("10"), Value::str("9")]),
        ),
        (
            r#"jsonencode({ a = "<b> & c" })"#,
            Value::str(r#"{"a":"\u003cb\u003e \u0026 c"}"#),
        ),
        ("jsonencode(1e15)", Value::str("1000000000000000")),
        ("jsonencode(0.5)", Value::str("0.5")),
        (r#""n=${1e20}""#, Value::str("n=100000000000000000000")),
        (r#""5" + 1"#, Value::Number(6.0)),
    ];
    for (expr, want) in cases {
        assert_eq!(eval(expr), want, "{expr}");
    }
    // Not numbers in Terraform: spaces around, inf, hexadecimal.
    for expr in [r#"" 5" + 1"#, r#""inf" + 1"#, r#""0x10" + 1"#] {
        assert!(!matches!(eval(expr), Value::Number(_)), "{expr}");
    }
}
