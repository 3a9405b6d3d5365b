//! The command line: `stepwise [--data-dir DIR] [tickets …|bench …]`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::model::ExportFormat;

/// Stepwise: a support console for remote assistance.
#[derive(Debug, Parser)]
#[command(name = "stepwise", version, about)]
pub struct Cli {
    /// Where the ticket database and settings live (default: the platform data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// UDP port the console listens on for remote sessions (0 = any free port; further
    /// concurrent sessions take the next ports). Console only: give it before any command.
    #[arg(long, value_name = "PORT", default_value_t = 0)]
    pub session_port: u16,
    /// Host name or address to put in join links (default: this machine's address). Console
    /// only: give it before any command.
    #[arg(long, value_name = "HOST")]
    pub advertise: Option<String>,
    /// Work on a team's shared desk in this PostgreSQL database
    /// (`postgres://user:password@host:5432/database`; add `?sslmode=require` for TLS) instead of
    /// the choice saved in Settings. Console only: give it before any command.
    #[arg(long, value_name = "URL")]
    pub database: Option<String>,
    /// What to do; without a command the console opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export or import tickets.
    Tickets {
        /// The ticket operation.
        #[command(subcommand)]
        action: TicketsCommand,
    },
    /// Open the "Get help" window to let an engineer see your screen (with your consent).
    ///
    /// A link given as an argument can be read by every account on this computer in the process
    /// list while the window is open. Prefer `--link-stdin` (e.g. `echo LINK | stepwise assist
    /// --link-stdin`) or `--link-file`, or type the code into the window. The `stepwise://` link
    /// handler hands links over through a private file.
    Assist {
        /// The join link from your engineer, `stepwise://HOST:PORT/CODE` (visible to other
        /// accounts in the process list: prefer --link-stdin or --link-file).
        link: Option<String>,
        /// Read the join link from standard input (it stays out of the process list).
        #[arg(long, conflicts_with_all = ["link", "link_file"])]
        link_stdin: bool,
        /// Read the join link from FILE (only you may read it) and remove the file.
        #[arg(long, value_name = "FILE", conflicts_with = "link")]
        link_file: Option<PathBuf>,
        /// Share this folder of numbered PNG frames instead of the screen (demos, tests).
        #[arg(long, value_name = "DIR")]
        frames: Option<PathBuf>,
        /// Which monitor to share (1 = first).
        #[arg(long, default_value_t = 1)]
        monitor: usize,
    },
    /// Open a `stepwise://` link in the Get-help window (the URL handler): hands the link over
    /// through a private file, so its code does not stay in the process list.
    #[command(hide = true)]
    OpenLink {
        /// The join link.
        link: String,
    },
    /// Try a whole session on one machine.
    Demo {
        /// Run the scripted session without windows and print what happened.
        #[arg(long)]
        headless: bool,
        /// Print one JSON object (with --headless) instead of a readable summary.
        #[arg(long, requires = "headless")]
        json: bool,
        /// Share this folder of numbered PNG frames (default: a built-in moving picture).
        #[arg(long, value_name = "DIR", conflicts_with = "live_screen")]
        frames: Option<PathBuf>,
        /// Share the real screen instead of the built-in picture (the console then shows
        /// itself inside its own live view).
        #[arg(long, conflicts_with = "headless")]
        live_screen: bool,
    },
    /// Writes a report for a date range: `--format json|csv|pdf FILE` (CSV into a folder: one
    /// file per chart).
    Report {
        /// First day, `YYYY-MM-DD` (on the `--time-zone` clock).
        #[arg(long, value_name = "DATE")]
        from: String,
        /// Last day, included, `YYYY-MM-DD` (on the `--time-zone` clock).
        #[arg(long, value_name = "DATE")]
        to: String,
        /// The clock days and weeks follow: `local` (this machine's offset), `utc`, or an offset
        /// such as `+08:00`.
        #[arg(long, value_name = "ZONE", default_value = "local")]
        time_zone: String,
        /// File format.
        #[arg(long, value_enum, default_value = "pdf")]
        format: ReportFormatArg,
        /// Only tickets of this category (`hardware`, `software`, `network`, `database`, `account`, `other`).
        #[arg(long)]
        category: Option<String>,
        /// Only tickets of this priority (`urgent`, `important`, `normal`).
        #[arg(long)]
        priority: Option<String>,
        /// Only this engineer's tickets and sessions.
        #[arg(long)]
        engineer: Option<String>,
        /// Language of the CSV and PDF words (`en`, `zh`); the system's by default.
        #[arg(long)]
        lang: Option<String>,
        /// Where to write (a folder for one CSV file per chart).
        file: PathBuf,
    },
    /// Check or repair session recordings.
    Recordings {
        /// The recording operation.
        #[command(subcommand)]
        action: RecordingsCommand,
    },
    /// Write the man pages and shell completions for the Linux packages into DIR (used by
    /// `packaging/build-packages`).
    #[command(hide = true)]
    PackagingFiles {
        /// Destination folder: `man/` and `completions/` are created in it.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Team database operations.
    Store {
        /// The store operation.
        #[command(subcommand)]
        action: StoreCommand,
    },
    /// Benchmarks.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        target: BenchCommand,
    },
}

/// `stepwise tickets …`.
#[derive(Debug, Subcommand)]
pub enum TicketsCommand {
    /// Write every ticket (with notes and history in JSON) to FILE.
    Export {
        /// File format.
        #[arg(long, value_enum, default_value = "json")]
        format: FormatArg,
        /// Destination file.
        file: PathBuf,
    },
    /// Add the tickets of a JSON or CSV export; existing numbers are skipped.
    Import {
        /// Source file.
        file: PathBuf,
    },
}

/// `stepwise store …`.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy this desk (tickets, notes, timeline, guides, canned phrases and glossaries) into an
    /// EMPTY team database and verify the counts; a database that holds tickets is refused.
    Migrate {
        /// The team database, `postgres://USER:PASSWORD@HOST:5432/DATABASE`.
        #[arg(long, value_name = "URL")]
        to: String,
        /// Require TLS (the server's certificate checked against the system's roots); also on
        /// with `sslmode=require` in the URL.
        #[arg(long)]
        tls: bool,
    },
}

/// `stepwise recordings …`.
#[derive(Debug, Subcommand)]
pub enum RecordingsCommand {
    /// Check every record of FILE against its hash chain: prints `verified`, `truncated at …` or
    /// `modified at record N`; the exit status is 0 only for a verified file.
    Verify {
        /// The recording.
        file: PathBuf,
    },
    /// Seal a recording the console did not finish (it stopped mid-recording): cuts off a torn
    /// last record and writes the index, marked recovered.
    Recover {
        /// The recording.
        file: PathBuf,
    },
    /// Write FILE as a video (MP4 with H.264 or WebM with VP9, by OUT's extension) through the
    /// system's ffmpeg, with rectangles blacked out; the recording is not changed. When the data
    /// folder holds the recording's ticket, the export goes into its timeline.
    Export {
        /// The recording.
        file: PathBuf,
        /// The video to write: `….mp4` or `….webm`.
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
        /// Black out a rectangle (remote screen pixels) from FROM_S to TO_S seconds; repeatable.
        #[arg(long = "redact", value_name = "X,Y,W,H@FROM_S-TO_S", value_parser = parse_redaction)]
        redactions: Vec<crate::model::Redaction>,
    },
}

/// Reads a `--redact` value.
fn parse_redaction(text: &str) -> Result<crate::model::Redaction, String> {
    crate::model::Redaction::parse(text).map_err(|err| err.to_string())
}

/// File formats on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// Every ticket with its notes and full timeline.
    Json,
    /// One row per ticket.
    Csv,
}

impl From<FormatArg> for ExportFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Json => ExportFormat::Json,
            FormatArg::Csv => ExportFormat::Csv,
        }
    }
}

/// `stepwise bench …`.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Fill a fresh store and measure inserts, search, first page and one sidebar frame.
    Store {
        /// How many tickets to insert.
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
        /// Measure an EMPTY team database (`postgres://…`) instead of a fresh local store.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Simulated engineers editing, commenting and searching an EMPTY team database at once:
    /// ops/s, search / update / notify latency, lost updates (must be 0), conflicts.
    Team {
        /// The team database, `postgres://…` (filled with generated tickets first).
        #[arg(long, value_name = "URL")]
        database: String,
        /// Engineers, one connection each.
        #[arg(long, default_value_t = 20)]
        engineers: usize,
        /// Tickets to generate first.
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
        /// How long the engineers work, seconds.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Each engineer's mean pause between operations, ms (0: back to back, which
        /// saturates the database; a person reading the screen takes seconds).
        #[arg(long, default_value_t = 0)]
        think_ms: u64,
        /// Work on a database an earlier run seeded (its tickets and engineers) instead of an
        /// empty one, for repeated measurements: `CREATE DATABASE run2 TEMPLATE run1` copies
        /// one in seconds (seeding 100 000 tickets takes minutes).
        #[arg(long)]
        reuse_seeded: bool,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One year of generated tickets with sessions and surveys: time to compute every chart
    /// of the Reports window (`report_ms`) and to write the PDF (`pdf_ms`).
    Report {
        /// Tickets to generate.
        #[arg(long, default_value_t = 100_000)]
        tickets: usize,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Stream one scenario folder at 30 fps over loopback QUIC and measure latency and stalls.
    Session {
        /// One scenario folder of numbered PNG frames.
        #[arg(long, value_name = "DIR")]
        corpus: PathBuf,
        /// Packet loss each way, percent.
        #[arg(long, default_value_t = 0.0)]
        loss: f64,
        /// One-way delay each way, ms.
        #[arg(long, default_value_t = 0)]
        delay_ms: u64,
        /// Bottleneck rate each way, kbit/s.
        #[arg(long)]
        rate_kbps: Option<u64>,
        /// Congestion controller: screen (default), cubic or bbr.
        #[arg(long, value_enum, default_value_t = CongestionArg::Screen)]
        congestion: CongestionArg,
        /// Guidance-only mode: measure stills on request ("Show me your screen now") and step
        /// round trips instead of the live stream.
        #[arg(long)]
        guidance_only: bool,
        /// Run it twice, directly and through a private coturn on loopback (started for the run;
        /// `apt install coturn`), and report the relayed run with the latency the relay adds.
        #[arg(long, conflicts_with = "guidance_only")]
        via_relay: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Remote control over loopback QUIC on a private Xvfb: clicks from the console's side into
    /// an X client on the user's display, timed until applied and until seen in the viewer.
    Control {
        /// Clicks to measure.
        #[arg(long, default_value_t = 100)]
        clicks: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Screen capture per source available here (X11, the PipeWire frame path, the Wayland
    /// portal): grab times while the screen changes and the CPU a quiet screen costs.
    Capture {
        /// Grabs to time per source.
        #[arg(long, default_value_t = 300)]
        grabs: usize,
        /// How long nothing changes while the idle CPU is measured, seconds.
        #[arg(long, default_value_t = 10.0)]
        idle_seconds: f64,
        /// Also stream this video node (`node.name`) of your own PipeWire daemon, without the
        /// portal (scripts/wayland-e2e.sh starts one).
        #[arg(long, value_name = "NODE_NAME")]
        pipewire_target: Option<String>,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Paint the engineer's arrows for the screen overlay (software) and, where an X display is
    /// reachable, put them on the screen.
    Overlay {
        /// Overlay width, pixels.
        #[arg(long, default_value_t = 1920)]
        width: u32,
        /// Overlay height, pixels.
        #[arg(long, default_value_t = 1080)]
        height: u32,
        /// How many different arrow sets to paint.
        #[arg(long, default_value_t = 200)]
        frames: usize,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Build a long recording per scenario (its frames looped through the real encoder and
    /// recorder), then measure size against the stream, random seeks, opening and verifying.
    Recording {
        /// Folder of scenario folders with numbered PNG frames (or one scenario folder).
        #[arg(long, value_name = "DIR")]
        corpus: PathBuf,
        /// Length of each recording, minutes.
        #[arg(long, default_value_t = 60)]
        minutes: u32,
        /// Frames streamed per second.
        #[arg(long, default_value_t = 10)]
        fps: u32,
        /// Random seeks per recording.
        #[arg(long, default_value_t = 200)]
        seeks: usize,
        /// Only this scenario (folder name); repeat for several.
        #[arg(long, value_name = "NAME")]
        scenario: Vec<String>,
        /// Print one JSON object per scenario.
        #[arg(long)]
        json: bool,
    },
    /// Encode every scenario folder of a corpus with Stepwise's codec and two baselines.
    Codec {
        /// Folder of scenario folders with numbered PNG frames.
        #[arg(long, value_name = "DIR")]
        corpus: PathBuf,
        /// Print one JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stepwise's budgeted (approximate) updates against x264 (system ffmpeg) at the same bytes.
    Lossy {
        /// Folder of scenario folders with numbered PNG frames.
        #[arg(long, value_name = "DIR")]
        corpus: PathBuf,
        /// Only this scenario (folder name); repeat for several.
        #[arg(long, value_name = "NAME")]
        scenario: Vec<String>,
        /// Byte budget per update; repeat for several.
        #[arg(long, value_name = "BYTES", default_values_t = [12_500usize, 6_250])]
        budget_bytes: Vec<usize>,
        /// Frames per scenario (the first ones), at most.
        #[arg(long, default_value_t = 30)]
        frames: usize,
        /// Frames per second the budget is spent at (x264's bit rate).
        #[arg(long, default_value_t = 10)]
        fps: u32,
        /// The ffmpeg program (with libx264).
        #[arg(long, value_name = "PATH", default_value = "ffmpeg")]
        ffmpeg: PathBuf,
        /// Print one JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Congestion controller choice for `bench session`.
/// File formats of `stepwise report`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormatArg {
    /// The typed rows of every chart.
    Json,
    /// The tables, UTF-8 with BOM.
    Csv,
    /// Charts and tables.
    Pdf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CongestionArg {
    /// Stepwise's loss-tolerant, delay-aware controller.
    Screen,
    /// quinn's CUBIC.
    Cubic,
    /// quinn's experimental BBR.
    Bbr,
}

impl From<CongestionArg> for crate::transport::Congestion {
    fn from(arg: CongestionArg) -> Self {
        match arg {
            CongestionArg::Screen => Self::Screen,
            CongestionArg::Cubic => Self::Cubic,
            CongestionArg::Bbr => Self::Bbr,
        }
    }
}

/// The command line with a bare join link (`stepwise stepwise://HOST:PORT/CODE`, as a browser or
/// a desktop's URL handling may start it) read as `stepwise open-link LINK`; anything else is
/// returned as it is.
pub fn with_link_as_command(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    let is_link = |arg: &OsString| {
        arg.to_str()
            .and_then(|text| text.get(..LINK_SCHEME.len()))
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case(LINK_SCHEME))
    };
    if args.len() == 2 && is_link(&args[1]) {
        args.insert(1, OsString::from("open-link"));
    }
    args
}

/// How join links start.
const LINK_SCHEME: &str = "stepwise://";

/// The platform data folder, e.g. `~/.local/share/stepwise`.
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "stepwise")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("stepwise-data"))
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use std::ffi::OsString;

    use super::{Cli, Command, with_link_as_command};

    #[test]
    fn the_console_takes_its_network_options_before_any_command() {
        let cli = Cli::try_parse_from(["stepwise", "--session-port", "4700", "--advertise", "desk.example"]).unwrap();
        assert_eq!(cli.session_port, 4700);
        assert_eq!(cli.advertise.as_deref(), Some("desk.example"));
        assert!(cli.command.is_none());
    }

    #[test]
    fn the_get_help_window_refuses_the_console_options() {
        for option in [["--session-port", "4700"], ["--advertise", "desk.example"]] {
            let args = ["stepwise", "assist", option[0], option[1]];
            assert!(Cli::try_parse_from(args).is_err(), "{args:?} is accepted");
        }
    }

    #[test]
    fn the_demo_shares_the_built_in_picture_unless_asked_for_the_screen() {
        let cli = Cli::try_parse_from(["stepwise", "demo"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo { live_screen: false, frames: None, .. })));
        let cli = Cli::try_parse_from(["stepwise", "demo", "--live-screen"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Demo { live_screen: true, .. })));
        assert!(Cli::try_parse_from(["stepwise", "demo", "--live-screen", "--frames", "dir"]).is_err());
    }

    #[test]
    fn a_bare_join_link_opens_the_get_help_window() {
        let args = with_link_as_command(["stepwise", "stepwise://10.0.0.5:47000/123456789"].map(OsString::from));
        let cli = Cli::try_parse_from(args).unwrap();
        assert!(
            matches!(cli.command, Some(Command::OpenLink { ref link }) if link == "stepwise://10.0.0.5:47000/123456789"),
            "{cli:?}"
        );
        let args = with_link_as_command(["stepwise", "STEPWISE://h:1/123456789"].map(OsString::from));
        assert_eq!(args[1], "open-link");
    }

    #[test]
    fn other_command_lines_stay_as_they_are() {
        for line in [
            &["stepwise"][..],
            &["stepwise", "demo"],
            &["stepwise", "assist", "stepwise://h:1/123456789"],
            &["stepwise", "step"],
        ] {
            let args: Vec<OsString> = line.iter().map(OsString::from).collect();
            assert_eq!(with_link_as_command(args.clone()), args);
        }
    }
}
