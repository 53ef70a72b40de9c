//! Cloud Scheduler jobs: `http_target { uri, oidc_token | oauth_token }`;
//! a `uri` of the Cloud Run Admin API's `jobs/NAME:run` runs a job.

use super::{Action, CallerKind, RawCaller, RawTarget, job_run_url, tokens, url_target};
use crate::provider::res::{Res, attr_in};

pub fn read(res: &Res, root: usize) -> Vec<RawCaller> {
    let mut out = Vec::new();
    for (b, ctx) in res.blocks("http_target").items {
        let mut c = res.base_caller(root, CallerKind::Scheduler);
        let mut target = url_target(attr_in(res.ev, b, &ctx, "uri"), &mut c);
        tokens(res, b, &ctx, &mut c);
        if let RawTarget::Url(u) = &target
            && let Some((name, location)) = u.known().and_then(job_run_url)
        {
            c.action = Action::RunJob;
            target = RawTarget::Job { name, location };
        }
        out.push(RawCaller { caller: c, target });
    }
    out
}
