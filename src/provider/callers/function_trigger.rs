//! The event trigger of a Cloud Run function (2nd gen):
//! `event_trigger { event_type, pubsub_topic, trigger_region,
//! service_account_email }`. Underneath, an Eventarc trigger delivers each
//! event to the function's own Cloud Run service with an OIDC token of
//! `service_account_email` (unset: the Compute Engine default service
//! account), so that account needs `run.routes.invoke` on the service.

use super::{CallerKind, Identity, RawCaller, RawTarget, Token};
use crate::model::{Field, Service, ServiceKind};
use crate::provider::res::{Res, attr_in};

pub fn event_trigger(res: &Res, root: usize, function: &Service) -> Vec<RawCaller> {
    if function.kind != ServiceKind::Function2 {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (b, ctx) in res.blocks("event_trigger").items {
        let mut c = res.base_caller(root, CallerKind::FunctionTrigger);
        c.project = function.project.clone();
        c.token = Token::Oidc;
        // Eventarc delivers to the service's run.app URL, from the function's project.
        c.default_url = true;
        c.target_text = match attr_in(res.ev, b, &ctx, "event_type") {
            Some((a, v)) => {
                c.target_span = a.span;
                match v.text() {
                    Some(t) => format!("{} (events {t})", function.address),
                    None => function.address.clone(),
                }
            }
            None => function.address.clone(),
        };
        match attr_in(res.ev, b, &ctx, "service_account_email") {
            Some((a, v)) => {
                c.identity = Identity::service_account(Field::from_value(v, a.span));
                c.identity_span = Some(a.span);
            }
            None => {
                c.identity = Identity::ComputeDefault {
                    project: function.project.clone(),
                }
            }
        }
        out.push(RawCaller {
            caller: c,
            target: RawTarget::Service(function.address.clone()),
        });
    }
    out
}
