//! Everything one sessui process needs, opened once: paths, config, database,
//! hosts and the manager over them.

use std::sync::Arc;

use crate::config::Config;
use crate::host::ssh::SshFactory;
use crate::host::{Host, HostFactory, Local, Prompter};
use crate::manager::Manager;
use crate::paths::Paths;
use crate::store::Store;

pub struct App {
    pub paths: Paths,
    pub config: Config,
    pub manager: Arc<Manager>,
}

impl App {
    /// Reads the environment and config, opens the database, sets up hosts,
    /// with `prompter` answering host-key and password questions.
    pub fn open_for(prompter: Arc<dyn Prompter>) -> Result<App, String> {
        let paths = Paths::from_env().map_err(|e| e.to_string())?;
        // The config says which shell to run: it is read only once it and
        // every directory on the way are known to be the user's alone.
        paths.create_all().map_err(|e| e.to_string())?;
        let config = Config::load(&paths.config_file()).map_err(|e| e.to_string())?;
        App::open_with_prompter(paths, config, prompter)
    }

    pub fn open_with_prompter(
        paths: Paths,
        config: Config,
        prompter: Arc<dyn Prompter>,
    ) -> Result<App, String> {
        paths.create_all().map_err(|e| e.to_string())?;
        crate::logging::to_file(&paths.log_dir().join("sessui.log"));
        let store = Store::open_with(&paths.db_file(), config.timeouts.db_busy)
            .map_err(|e| e.to_string())?;
        let local: Arc<dyn Host> =
            Arc::new(Local::new(paths.clone(), config.timeouts.job_backstop));
        let factory: Option<Arc<dyn HostFactory>> = remote_hosts(&paths, &config, prompter);
        let manager =
            Manager::new(store, config.clone(), vec![local], factory).map_err(|e| e.to_string())?;
        Ok(App {
            paths,
            config,
            manager: Arc::new(manager),
        })
    }
}

/// Says once, on stderr, which running sessions were listed again after the
/// database lost them (before the UI takes the screen, or from a command).
pub fn tell_adopted(labels: &[String]) {
    if let Some(text) = crate::manager::adopted_notice(labels) {
        eprintln!("sessui: {text}");
    }
}

/// SSH hosts, made when a session first needs one.
fn remote_hosts(
    paths: &Paths,
    config: &Config,
    prompter: Arc<dyn Prompter>,
) -> Option<Arc<dyn HostFactory>> {
    Some(Arc::new(SshFactory::new(paths, config, prompter)))
}
