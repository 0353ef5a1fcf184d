//! `yinling`: the service and the operators' tools in one binary.
//!
//! Every subcommand reports a failure as one line naming the problem and exits non-zero;
//! nothing here panics on user input or on a damaged data directory.

use std::process::ExitCode;

use clap::Parser;

mod cli;

#[global_allocator]
static ALLOCATOR: yinling_alloc::Allocator = yinling_alloc::Allocator;

fn main() -> ExitCode {
    // Everything this binary writes is for its operator alone: a data directory holds every
    // person's key in its key store, a backup the same, a notices file mobile numbers and
    // relatives' names. Files and directories are made without any access for group and
    // others, whatever the shell's or the service manager's umask.
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    // A panic is a bug; still, show one line instead of a backtrace to the operator.
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown failure".into());
        eprintln!("yinling: internal error{location}: {message}");
    }));
    let args = cli::Cli::parse();
    cli::init_tracing(args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("yinling: {e}");
            ExitCode::FAILURE
        }
    }
}
