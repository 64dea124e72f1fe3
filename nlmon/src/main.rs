//! `nlmon`: the command line. Wires options to a capture and a printer.

use std::{
    io::{self, Write as _},
    process::ExitCode,
};

use clap::{CommandFactory, Parser};
use nlmon::{
    cli::{Cli, Command, LiveArgs},
    daemon::{self, args::AttachArgs},
    filter::{self, Select},
    genl_ids,
    live::{self, End},
    output::{self, Output, PcapngSink},
    pipeline::{Pipeline, PipelineOptions, Selector, Single, Sink},
    replay,
    run_cmd::{Credentials, Gated, RunError},
    text::{TextOptions, TextSink},
};

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format_timestamp(None)
        .format_target(false)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "nlmon", &mut io::stdout());
            return ExitCode::SUCCESS;
        }
        Some(Command::Man) => {
            return match clap_mangen::Man::new(Cli::command()).render(&mut io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => fail(&e.into()),
            };
        }
        Some(Command::Attach(a)) => return attach(&a),
        Some(Command::History(h)) => return nlmon::history::main(&h),
        Some(Command::Daemon(_)) | None => {}
    }
    if !cli.live.filter.types.is_empty()
        && let Err(e) =
            filter::check_type_names(&cli.live.filter.types, &filter::known_type_names())
    {
        eprintln!("nlmon: {e}");
        return ExitCode::from(2);
    }
    // The command is forked before the runtime starts its threads.
    let gated = if cli.live.cmd.is_empty() {
        None
    } else {
        match Credentials::invoking_user().and_then(|c| Gated::spawn(&cli.live.cmd, c.as_ref())) {
            Ok(g) => Some(g),
            Err(e) => return fail(&e.into()),
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&anyhow::Error::new(e).context("cannot start the runtime")),
    };
    if let Some(Command::Daemon(a)) = &cli.command {
        let (path, explicit) = a.config_path();
        return match rt.block_on(daemon::run::run(&path, explicit)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("nlmon: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match rt.block_on(run(&cli.live, gated)) {
        Ok(End::Stopped) => ExitCode::SUCCESS,
        Ok(End::Command(code)) => ExitCode::from(code),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => match exec_failure(&e) {
            Some(code) => {
                eprintln!("nlmon: {e:#}");
                ExitCode::from(code)
            }
            None => fail(&e),
        },
    }
}

async fn run(args: &LiveArgs, gated: Option<Gated>) -> anyhow::Result<End> {
    if args.list_types {
        let mut out = io::stdout().lock();
        for name in filter::known_type_names() {
            writeln!(out, "{name}")?;
        }
        return Ok(End::Stopped);
    }
    let filter = args.filter.clone();
    let stdout = io::BufWriter::new(io::stdout());
    let sinks: Vec<Box<dyn Sink>> = match &args.write {
        Some(path) => vec![Box::new(PcapngSink::create(path)?)],
        None if args.changes => vec![nlmon::change::sink::boxed(stdout, args.json)],
        None if args.json => vec![output::json(stdout)],
        None => {
            let opts = TextOptions {
                hex: args.hex,
                verbose: args.verbose,
                color: args.color.on_stdout(),
                no_clock: false,
            };
            vec![Box::new(TextSink::new(stdout, opts))]
        }
    };
    let opts = args.capture_options(&filter);
    // `--changes` shows changes; a JSON line carries the change its
    // message completes.
    let track = args.write.is_none() && (args.changes || args.json);
    let mut pipeline = Pipeline::new(PipelineOptions {
        show_secrets: args.show_secrets,
        changes: track.then(|| args.conflicts.config()),
    });
    // Families registered before nlmon started are named from the start
    // (a capture file from elsewhere may use other ids: not for -r).
    if args.read.is_none() {
        genl_ids::learn(&mut pipeline.decoder);
    }
    let mut out = Output {
        pipeline: Single {
            pipeline,
            selector: Selector::new(filter, Select::All, args.count),
        },
        sinks,
    };
    if let Some(path) = &args.read {
        replay::run(path, &mut out)?;
        return Ok(End::Stopped);
    }
    live::run(args, opts, gated, &mut out).await
}

fn attach(a: &AttachArgs) -> ExitCode {
    let mut out = io::stdout().lock();
    match daemon::client::attach(&a.socket, &a.request(), &mut out, &mut io::stderr()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(daemon::client::AttachError::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("nlmon: {e}");
            ExitCode::FAILURE
        }
    }
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("nlmon: {e:#}");
    ExitCode::FAILURE
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The shell-style status when the traced command could not be run.
fn exec_failure(e: &anyhow::Error) -> Option<u8> {
    e.chain()
        .find_map(|c| c.downcast_ref::<RunError>().and_then(RunError::exit_code))
}
