//! Service-to-service calls the configuration states: an environment
//! variable of a container holding another service's URL
//! (`value = google_cloud_run_v2_service.b.uri`). The caller's identity is
//! the service's runtime identity; the code is assumed to send an identity
//! token (that is how Cloud Run services call private services).

use super::{CallerKind, RawCaller, RawTarget, Token};
use crate::model::{Service, ServiceKind};
use crate::provider::res::{Res, attr_in};

pub fn env_urls(res: &Res, root: usize, service: &Service) -> Vec<RawCaller> {
    let path: &[&str] = match service.kind {
        ServiceKind::V2Service => &["template", "containers"],
        ServiceKind::V1Service => &["template", "spec", "containers"],
        ServiceKind::V2Job => &["template", "template", "containers"],
        ServiceKind::Function2 | ServiceKind::Function1 => return Vec::new(),
    };
    let mut out = Vec::new();
    for (container, cctx) in res.nested(path) {
        for (env, ectx) in res.ev.blocks(container, "env", &cctx).items {
            let Some((a, v)) = attr_in(res.ev, env, &ectx, "value") else {
                continue;
            };
            let Some(url) = v.text() else { continue };
            let names_a_service =
                url.refs().next().is_some() || url.literal_parts().any(|l| l.contains(".run.app"));
            if !names_a_service {
                continue;
            }
            let mut c = res.base_caller(root, CallerKind::Service);
            c.project = service.project.clone();
            c.token = Token::Oidc;
            c.target_span = a.span;
            c.target_text = url.to_string();
            c.target_url = Some(url.clone());
            c.identity = service.runtime_identity();
            c.identity_span = Some(a.span);
            out.push(RawCaller {
                caller: c,
                target: RawTarget::Url(url),
            });
        }
    }
    out
}
