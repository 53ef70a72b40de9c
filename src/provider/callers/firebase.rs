//! Firebase Hosting rewrites to Cloud Run: `google_firebase_hosting_version`
//! `config { rewrites { glob | regex, run { service_id, region } } }`
//! (`region` defaults to `us-central1`). Hosting forwards the visitor's
//! request with no identity token of its own, from outside the service's
//! network: the service must admit unauthenticated requests.

use super::{CallerKind, Identity, RawCaller, RawTarget, Token};
use crate::model::Field;
use crate::provider::res::{Res, attr_in};

/// The provider's default for `run.region`.
const DEFAULT_REGION: &str = "us-central1";

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (config, cctx) in res.blocks("config").items {
        for (rewrite, rctx) in res.ev.blocks(config, "rewrites", &cctx).items {
            let pattern = ["glob", "regex"]
                .iter()
                .find_map(|k| attr_in(res.ev, rewrite, &rctx, k))
                .and_then(|(_, v)| v.text());
            for (run, ctx) in res.ev.blocks(rewrite, "run", &rctx).items {
                let mut c = res.base_caller(root, CallerKind::FirebaseHosting);
                c.token = Token::None;
                c.identity = Identity::None;
                c.default_url = true;
                c.from_internet = true;
                let name = match attr_in(res.ev, run, &ctx, "service_id") {
                    Some((a, v)) => {
                        c.target_span = a.span;
                        Field::from_value(v, a.span)
                    }
                    None => Field::Unknown(res.not_set("config.rewrites.run.service_id")),
                };
                let region = match attr_in(res.ev, run, &ctx, "region") {
                    Some((a, v)) => Field::from_value(v, a.span),
                    None => Field::Known(DEFAULT_REGION.into()),
                };
                c.target_text = match &pattern {
                    Some(p) => format!("the {p} rewrite's service {name} in {region}"),
                    None => format!("service {name} in {region}"),
                };
                out.push(RawCaller {
                    caller: c,
                    target: RawTarget::Named { name, region },
                });
            }
        }
    }
    out
}
