//! Cloud Tasks queues: `http_target { uri_override { host }, oidc_token }`.
//! Without a URI override each task's own URL decides the target.

use super::{CallerKind, RawCaller, RawTarget, tokens};
use crate::eval::{Text, Unknown};
use crate::provider::res::{Res, attr_in};

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (b, ctx) in res.blocks("http_target").items {
        let mut c = res.base_caller(root, CallerKind::CloudTasks);
        let mut target = None;
        if let Some((o, octx)) = res.ev.blocks(b, "uri_override", &ctx).items.first()
            && let Some((h, v)) = attr_in(res.ev, o, octx, "host")
        {
            c.target_span = h.span;
            target = Some(match v.derived_text() {
                Some(host) => {
                    c.target_text = match v.text() {
                        Some(_) => host.to_string(),
                        None => format!("a host derived from {host}"),
                    };
                    let url = if host.literal_prefix().contains("://") || v.text().is_none() {
                        host
                    } else {
                        let mut url = Text::lit("https://");
                        url.append(host);
                        url
                    };
                    c.target_url = Some(url.clone());
                    RawTarget::Url(url)
                }
                None => RawTarget::Unresolved(v.not_known(h.span).unwrap_or_else(|| {
                    Unknown::error("uri_override.host is not a string", h.span)
                })),
            });
        }
        tokens(res, b, &ctx, &mut c);
        let target = target.unwrap_or_else(|| {
            c.target_text = "the URL of each task (no uri_override)".into();
            RawTarget::Unresolved(Unknown::not_modelled(
                "each task sets its own URL (no uri_override)",
                c.span,
            ))
        });
        out.push(RawCaller { caller: c, target });
    }
    out
}
