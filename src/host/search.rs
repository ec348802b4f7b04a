//! Searching jobs where they live: each job searches its own history and
//! screen and sends back only the matching lines. A remote host's agent
//! runs this for its jobs, so one request crosses the link per host.

use std::time::Duration;

use super::{Host, JobRef};
use crate::ids::JobId;
use crate::protocol::{ClientMsg, Hits, QuerySpec, SEARCH, ServerMsg};

/// A job searching 10,000 lines answers in milliseconds; this much allows
/// for a loaded machine and a big history without letting a stuck job
/// hold the whole search.
pub const JOB_SEARCH_WAIT: Duration = Duration::from_secs(5);

/// One job's answer: its matches, or why it was not searched.
pub type JobHits = (JobId, Result<Hits, String>);

/// Asks every job at once; answers come back in the order of `jobs`.
pub async fn search_jobs<H: Host + ?Sized>(
    host: &H,
    jobs: &[JobRef],
    query: &QuerySpec,
) -> Vec<JobHits> {
    let asks = jobs
        .iter()
        .map(|job| async move { (job.id.clone(), search_job(host, job, query).await) });
    futures::future::join_all(asks).await
}

async fn search_job<H: Host + ?Sized>(
    host: &H,
    job: &JobRef,
    query: &QuerySpec,
) -> Result<Hits, String> {
    let mut conn = host.connect(job).await.map_err(|e| e.to_string())?;
    if conn.version < SEARCH {
        return Err(format!(
            "its job runs an older sessui (protocol {}) that cannot search; \
             a new shell of this session (after it ends) can",
            conn.version
        ));
    }
    match conn
        .request(ClientMsg::Search(query.clone()), JOB_SEARCH_WAIT)
        .await
    {
        Ok(ServerMsg::Found(hits)) => Ok(hits),
        Ok(ServerMsg::Error { message }) => Err(message),
        Ok(_) => Err("the job answered something other than its matches".into()),
        Err(e) => Err(e.to_string()),
    }
}
