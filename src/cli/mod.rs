//! The command line: clap types and the wiring of stages; the only place anyhow is used.

mod bases;
mod build;
mod cache;
mod check;
mod dockerfiles;
mod emit;
mod entitlements;
mod export;
mod fs_entitlements;
mod inspect;
mod list;
mod load;
mod on_nodes;
mod outputs;
mod plan;
mod planned;
mod print;
pub(crate) mod release;
mod run_inputs;
mod select;
mod shared_cache;
mod unhonoured;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diagnostics, render_human};
use crate::source::SourceMap;

#[derive(Debug, Parser)]
#[command(name = "mpbake", version, about = "Declarative, fast multi-platform container images (bake-compatible specs)")]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the resolved definition as JSON, in the shape of `docker buildx bake --print`.
    Print {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups (default: `default`).
        targets: Vec<String>,
    },
    /// List the targets and groups, or the variables, of a spec.
    List {
        #[command(flatten)]
        spec: SpecArgs,
        /// targets (and groups, with descriptions) or variables (type, value, description).
        what: ListWhat,
        /// text for people, json for tools.
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show the build graph: which steps run once for all platforms, which per platform, which
    /// under emulation.
    Plan {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups (default: `default`).
        targets: Vec<String>,
        /// text for people, json for tools, dot for Graphviz.
        #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
        format: PlanFormat,
        /// The platform of the machine that builds (default: this machine's), e.g. linux/arm64.
        #[arg(long)]
        build_platform: Option<String>,
        /// A node that would build some platforms: `[NAME=]PLATFORM[,PLATFORM]=ENDPOINT`, as
        /// `build --node` takes it; the plan shows which target platforms it takes.
        #[arg(long = "node", value_name = "NODE")]
        nodes: Vec<String>,
    },
    /// Build targets — inline images and Dockerfiles, daemonless — into OCI layouts on disk.
    Build {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups (default: `default`).
        targets: Vec<String>,
        #[command(flatten)]
        flags: BuildFlags,
        /// Write JSON per target (index digest and descriptor, tags, per-platform manifests), like bake's.
        #[arg(long)]
        metadata_file: Option<String>,
        /// Push every target's tags after building (blobs, manifests, indexes, then tags), as
        /// buildx's `--set *.push=true`.
        #[arg(long)]
        push: bool,
        /// Load every target into the Docker Engine at DOCKER_HOST (one platform each), as
        /// buildx's `--set *.load=true`.
        #[arg(long)]
        load: bool,
        /// What to do with the targets, as buildx's `--call`: build them, or check them (print
        /// their diagnostics and lint findings, build nothing, exit 1 when there are any).
        #[arg(long, value_parser = ["build", "check"])]
        call: Option<String>,
        /// Shorthand for `--call check`.
        #[arg(long)]
        check: bool,
        /// Media types of what is pushed: OCI's, or Docker's manifest lists for old registries.
        #[arg(long, value_enum, default_value = "oci")]
        media_types: MediaTypes,
    },
    /// Build, verify and publish targets or groups: every blob, manifest and index first, the
    /// tags only when all of it is pushed.
    Release {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups (default: `default`).
        targets: Vec<String>,
        #[command(flatten)]
        flags: BuildFlags,
        /// Show what would be pushed (bytes new and already present) and push nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not check platforms and ELF machines before pushing.
        #[arg(long)]
        no_verify: bool,
        /// Write JSON per tag: targets, index digest, platforms, bytes uploaded.
        #[arg(long)]
        metadata_file: Option<String>,
        /// Media types of what is pushed: OCI's, or Docker's manifest lists for old registries.
        #[arg(long, value_enum, default_value = "oci")]
        media_types: MediaTypes,
    },
    /// Show an image — in a registry, an OCI layout, or an archive — index, platforms,
    /// manifests, configs and layers.
    Inspect {
        /// The image: REGISTRY/REPO:TAG (or `docker://…`), an OCI layout directory, `oci:DIR[:TAG]`,
        /// `oci-archive:FILE`, `docker-archive:FILE`, or a tar file of either kind.
        reference: String,
        /// text for people, json for tools.
        #[arg(long, value_enum, default_value = "text")]
        format: inspect::Format,
        /// A registry (HOST:PORT) spoken to over plain HTTP (loopback ones always are).
        #[arg(long = "insecure-registry", value_name = "HOST:PORT")]
        insecure: Vec<String>,
    },
    /// Check every platform of an image: config against index, and every ELF file's machine
    /// against the platform (exit 1 on a mismatch).
    Verify {
        /// The image, in any form `inspect` takes.
        reference: String,
        /// text for people, json for tools.
        #[arg(long, value_enum, default_value = "text")]
        format: inspect::Format,
        /// A registry (HOST:PORT) spoken to over plain HTTP (loopback ones always are).
        #[arg(long = "insecure-registry", value_name = "HOST:PORT")]
        insecure: Vec<String>,
    },
    /// Show (`du`) or empty (`prune`) the local content store ($MPBAKE_CACHE_DIR, else
    /// $XDG_CACHE_HOME/mpbake, else ~/.cache/mpbake).
    Cache {
        #[command(subcommand)]
        what: CacheWhat,
    },
    /// Write optimized Dockerfiles and a docker-bake.json for BuildKit (or buildah) to build.
    Emit {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups (default: `default`).
        targets: Vec<String>,
        /// Output directory.
        #[arg(short = 'o', long = "output")]
        output: String,
        /// Apply the lint rules' automatic fixes where they are provably safe.
        #[arg(long)]
        fix: bool,
        /// Pin base images by the digest their registry serves now (FROM name:tag@sha256:...).
        #[arg(long)]
        pin: bool,
        /// Which engines must accept the files: `portable` (buildah, BuildKit offline) or
        /// `buildkit` (adds `# syntax=` and `COPY --link`).
        #[arg(long, value_enum, default_value_t = Engine::Portable)]
        engine: Engine,
    },
    /// Print a shell completion script: `mpbake completion bash > /etc/bash_completion.d/mpbake`.
    Completion {
        /// The shell the script is for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `mpbake man > /usr/local/share/man/man1/mpbake.1`.
    Man,
    /// Report every diagnostic of the spec, its Dockerfiles and the lint rules, without building.
    Check {
        #[command(flatten)]
        spec: SpecArgs,
        /// Targets or groups to lint (default: `default`).
        targets: Vec<String>,
        /// human for people, json for tools, sarif for code scanning (e.g. GitHub's).
        #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
        format: CheckFormat,
        /// The platform of the machine that builds (default: this machine's).
        #[arg(long)]
        build_platform: Option<String>,
    },
}

/// Where the spec comes from and what overrides it.
#[derive(Debug, Args, Clone, Default)]
pub struct SpecArgs {
    /// Spec file (HCL, bake JSON or KDL; `-` for stdin); repeatable, later files win.
    #[arg(short = 'f', long = "file")]
    pub files: Vec<String>,
    /// Override a target attribute: PATTERN.KEY=VALUE or PATTERN.KEY+=VALUE.
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Set a variable: NAME=VALUE (wins over the environment).
    #[arg(long = "var")]
    pub vars: Vec<String>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListWhat {
    Targets,
    Variables,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum CacheWhat {
    /// What the store holds, by kind (blobs, unpacked layers, step records, cache mounts,
    /// upload sessions), with the bytes each takes on disk.
    Du,
    /// Empty the store, or with --keep-storage/--filter its least recently used part.
    Prune {
        /// Keep this much (e.g. 10g, 512m): remove the least recently used until at most this remains.
        #[arg(long, value_name = "SIZE")]
        keep_storage: Option<String>,
        /// `until=DURATION` (e.g. 24h, 7d): remove only what was not used for this long.
        #[arg(long, value_name = "FILTER")]
        filter: Vec<String>,
        /// Do not ask on a terminal.
        #[arg(short, long)]
        force: bool,
    },
}
/// What `build` and `release` share: the output, parallelism, progress.
#[derive(Debug, Args)]
struct BuildFlags {
    /// Where every target goes, instead of the targets' `output` attributes (default, for a
    /// target without one: an OCI layout in mpbake-out/TARGET): `DIR` or `type=oci,dest=DIR`
    /// (an OCI layout per target in DIR), `type=oci,dest=FILE,tar=true` (one target's layout as
    /// a tar file), `type=local,dest=DIR` (a root filesystem per target and platform),
    /// `type=tar,dest=FILE`, `type=docker[,dest=FILE][,platform=OS/ARCH]` (one platform, a
    /// `docker load` archive, or loaded into the Docker Engine), `type=registry`, `type=cacheonly`.
    #[arg(short = 'o', long = "output")]
    output: Option<String>,
    /// Grant a privilege targets ask for, as buildx's `--allow`: `network.host` (RUN on the
    /// host's network), `security.insecure` (privileged RUN); repeatable.
    #[arg(long = "allow", value_name = "ENTITLEMENT")]
    allow: Vec<String>,
    /// Build a platform on a node, a Docker Engine that builds it natively:
    /// `[NAME=]PLATFORM[,PLATFORM]=ENDPOINT`, the endpoint as DOCKER_HOST takes it (unix://,
    /// tcp://, ssh://USER@HOST) or a docker context's name; repeatable (docs/nodes.md).
    #[arg(long = "node", value_name = "NODE")]
    nodes: Vec<String>,
    /// Import step records from a shared cache before building, as bake's `cache-from`:
    /// `type=registry,ref=REGISTRY/REPO:TAG` (or the bare ref) or `type=local,src=DIR`;
    /// repeatable, tried in order, for every target (docs/cache.md).
    #[arg(long = "cache-from", value_name = "CACHE")]
    cache_from: Vec<String>,
    /// Export every target's step records after building, as bake's `cache-to`:
    /// `type=registry,ref=…` or `type=local,dest=DIR`, with `mode=min` (the outputs' steps) or
    /// `mode=max` (every step); repeatable.
    #[arg(long = "cache-to", value_name = "CACHE")]
    cache_to: Vec<String>,
    /// Steps run at once (default: the number of CPUs).
    #[arg(short = 'j', long = "jobs")]
    jobs: Option<usize>,
    /// How steps are shown: spinners on a terminal (auto, tty), a line per step (plain), or
    /// JSON events (json), on stderr.
    #[arg(long, value_enum, default_value = "auto")]
    progress: crate::exec::progress::Mode,
    /// A registry (HOST:PORT) spoken to over plain HTTP (loopback ones always are).
    #[arg(long = "insecure-registry")]
    insecure: Vec<String>,
    /// How new layers are compressed: gzip (every client reads it) or zstd (smaller, faster).
    #[arg(long, value_enum, default_value = "gzip")]
    compression: crate::oci::layer::Compression,
    /// How RUN steps get their root filesystem: overlayfs (auto falls back to copying where it
    /// cannot be mounted) or copying.
    #[arg(long, value_enum, default_value = "auto", env = "MPBAKE_SNAPSHOTTER")]
    snapshotter: crate::exec::Snapshotter,
    /// Seconds a download may go on receiving under 1 KiB/s (or nothing) before it fails.
    #[arg(long = "stall-timeout", default_value = "30", env = "MPBAKE_STALL_TIMEOUT", value_name = "SECONDS")]
    stall_timeout: u64,
}

impl BuildFlags {
    fn how<'a>(&'a self, metadata_file: Option<&'a str>, push: bool, load: bool) -> build::How<'a> {
        let jobs = self.jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
        crate::oci::set_stall_timeout(std::time::Duration::from_secs(self.stall_timeout.max(1)));
        build::How {
            output: self.output.as_deref(),
            metadata_file,
            jobs,
            progress: self.progress,
            push,
            load,
            allow: self.allow.clone(),
            nodes: self.nodes.clone(),
            cache_from: self.cache_from.clone(),
            cache_to: self.cache_to.clone(),
            publishing: false,
            docker_media_types: false,
            insecure: self.insecure.clone(),
            compression: self.compression,
            snapshotter: self.snapshotter,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MediaTypes {
    Oci,
    Docker,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Engine {
    Portable,
    Buildkit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanFormat {
    Text,
    Json,
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
    Sarif,
}

/// Exit codes: 0 ok, 1 the input has errors, 2 mpbake itself (or its environment) failed.
pub fn run(cli: Cli) -> ExitCode {
    if matches!(cli.command, Command::Build { .. } | Command::Release { .. })
        && let Err(e) = crate::exec::handle_signals()
    {
        eprintln!("mpbake: warning: Ctrl-C will not clean up: {e}");
    }
    let result = match cli.command {
        Command::Print { spec, targets } => print::run(&spec, &targets),
        Command::List { spec, what, format } => list::run(&spec, what, format),
        Command::Plan { spec, targets, format, build_platform, nodes } => {
            plan::run(&spec, &targets, format, build_platform.as_deref(), &nodes)
        }
        Command::Cache { what } => cache::run(what),
        Command::Build { mut spec, targets, flags, metadata_file, push, load, call, check, media_types } => {
            if let Some(call) = call.or(check.then(|| "check".to_string())) {
                spec.sets.push(format!("*.call={call}"));
            }
            let mut how = flags.how(metadata_file.as_deref(), push, load);
            how.docker_media_types = media_types == MediaTypes::Docker;
            build::run(&spec, &targets, &how)
        }
        Command::Release { spec, targets, flags, dry_run, no_verify, metadata_file, media_types } => {
            let docker_media_types = media_types == MediaTypes::Docker;
            let insecure = flags.insecure.clone();
            let options = release::Options { dry_run, docker_media_types, verify: !no_verify, metadata_file, insecure };
            // a release publishes the targets' tags; their layouts go where -o says, never elsewhere
            let mut how = flags.how(None, false, false);
            how.output = Some(how.output.unwrap_or("mpbake-out"));
            how.publishing = true;
            match build::build(&spec, &targets, &how) {
                Ok(Ok(builds)) => release::publish(&builds.built, &options, builds.metadata.clone()),
                Ok(Err(code)) => Ok(code),
                Err(e) => Err(e),
            }
        }
        Command::Inspect { reference, format, insecure } => Ok(inspect::inspect(&reference, format, &insecure)),
        Command::Verify { reference, format, insecure } => Ok(inspect::verify(&reference, format, &insecure)),
        Command::Emit { spec, targets, output, fix, pin, engine } => {
            let options = crate::emit::Options { buildkit: engine == Engine::Buildkit, fix, ..Default::default() };
            emit::run(&spec, &targets, &output, options, pin)
        }
        Command::Check { spec, targets, format, build_platform } => check::run(&spec, &targets, format, build_platform.as_deref()),
        Command::Completion { shell } => {
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "mpbake", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut std::io::stdout())
            .map(|()| ExitCode::SUCCESS)
            .map_err(anyhow::Error::from),
    };
    if crate::exec::cancelled() {
        eprintln!("mpbake: the build was cancelled; nothing was tagged and its containers, mounts and temporary files are gone");
        return ExitCode::from(130);
    }
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mpbake: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Prints diagnostics to stderr for people; returns whether any is an error.
fn report(diags: &Diagnostics, sources: &SourceMap) -> bool {
    if !diags.items.is_empty() {
        eprint!("{}", render_human(&diags.items, sources, std::io::stderr().is_terminal()));
    }
    diags.has_errors()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_argument_of_every_command_says_what_it_is() {
        let command = <super::Cli as clap::CommandFactory>::command();
        let mut missing = Vec::new();
        let mut stack = vec![(String::from("mpbake"), command)];
        while let Some((path, command)) = stack.pop() {
            for arg in command.get_arguments().filter(|a| !matches!(a.get_id().as_str(), "help" | "version")) {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {}", arg.get_id()));
                }
            }
            stack.extend(command.get_subcommands().map(|s| (format!("{path} {}", s.get_name()), s.clone())));
        }
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
    }
}
