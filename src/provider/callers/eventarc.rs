//! Eventarc triggers: `destination { cloud_run_service { service, region } }`,
//! delivering with an OIDC token of `service_account` (unset: the Compute
//! Engine default service account).

use super::{CallerKind, RawCaller, RawTarget, Token, runs_as};
use crate::model::Field;
use crate::provider::res::{Res, attr_in};

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (d, dctx) in res.blocks("destination").items {
        for (b, ctx) in res.ev.blocks(d, "cloud_run_service", &dctx).items {
            let mut c = res.base_caller(root, CallerKind::Eventarc);
            c.token = Token::Oidc;
            c.default_url = true;
            let name = match attr_in(res.ev, b, &ctx, "service") {
                Some((a, v)) => {
                    c.target_span = a.span;
                    let f = Field::from_value(v, a.span);
                    c.target_text = f.to_string();
                    f
                }
                None => Field::Unknown(res.not_set("destination.cloud_run_service.service")),
            };
            let region = match attr_in(res.ev, b, &ctx, "region") {
                Some((a, v)) => Field::from_value(v, a.span),
                None => Field::Unknown(res.not_set("region")),
            };
            runs_as(res, "service_account", &mut c);
            out.push(RawCaller {
                caller: c,
                target: RawTarget::Named { name, region },
            });
        }
    }
    out
}
