//! Identity-Aware Proxy in front of a service: `iap_enabled` on the
//! service, or `iap { enabled }` on a backend service with a serverless NEG.
//! IAP calls the service with an OIDC token of its service agent.

use super::{CallerKind, Identity, RawCaller, RawTarget, Token};
use crate::model::Field;
use crate::provider::res::Res;
use crate::syntax::Span;

pub fn iap(res: &Res, root: usize, project: Field, service_address: &str, span: Span) -> RawCaller {
    let mut c = res.base_caller(root, CallerKind::Iap);
    c.project = project;
    c.token = Token::Oidc;
    c.identity = Identity::IapAgent;
    c.identity_span = Some(span);
    c.target_span = span;
    c.default_url = true;
    c.from_internet = true;
    c.target_text = service_address.to_string();
    RawCaller {
        caller: c,
        target: RawTarget::Service(service_address.to_string()),
    }
}
