//! The cases: a name, a Dockerfile (`BUSYBOX` stands for a busybox image in the test
//! registry, `TRIGGERS_IMAGE` for an image there with ONBUILD triggers), the context's files
//! (a path ending in `/` is an empty directory, contents `-> TARGET` a symlink); and the cases
//! known to differ still, with why.

use std::path::Path;

pub struct Case {
    pub name: &'static str,
    pub dockerfile: &'static str,
    pub files: &'static [(&'static str, &'static str)],
}

pub const fn case(name: &'static str, dockerfile: &'static str, files: &'static [(&'static str, &'static str)]) -> Case {
    Case { name, dockerfile, files }
}

const A: &[(&str, &str)] = &[("a.txt", "a\n")];
const AB: &[(&str, &str)] = &[("a.txt", "a\n"), ("b.txt", "b\n")];
const TREE: &[(&str, &str)] =
    &[("src/main.go", "package main\n"), ("src/lib/util.go", "package lib\n"), ("src/empty/", ""), ("src/link", "-> main.go")];

pub const CASES: &[Case] = &[
    case("env-forms", "FROM scratch\nENV A=1 B=\"two words\" C='$HOME' D=x\\ y\n", &[]),
    case("env-legacy-form", "FROM scratch\nENV KEY a value with spaces\n", &[]),
    case("env-escaped-dollar", "FROM scratch\nENV A=\\$HOME B=\"\\$X\" C=plain\n", &[]),
    case("env-path-in-place", "FROM scratch\nENV A=1\nENV PATH=/opt/bin:$PATH\n", &[]),
    case("env-refers-to-earlier", "FROM scratch\nENV A=1\nENV B=${A}2 C=$A$A\n", &[]),
    case("env-default-forms", "FROM scratch\nENV A=set\nENV B=${NOPE:-d} C=${A:+alt} D=${NOPE:+alt} E=${A:-d}\n", &[]),
    case("env-empty-value", "FROM scratch\nENV A= B=1\n", &[]),
    case("label-quotes", "FROM scratch\nLABEL a=\"x y\" b=plain \"c d\"=e\n", &[]),
    case("label-from-env", "FROM scratch\nENV V=1.2\nLABEL version=$V\n", &[]),
    case("expose-forms", "FROM scratch\nEXPOSE 80 443/tcp 53/udp\n", &[]),
    case("expose-range-and-case", "FROM scratch\nEXPOSE 7000-7002/tcp 53/UDP\n", &[]),
    case("expose-from-env", "FROM scratch\nENV P=8080\nEXPOSE $P\n", &[]),
    case("workdir-relative", "FROM scratch\nWORKDIR /a\nWORKDIR b\nWORKDIR ../c\n", &[]),
    case("workdir-from-env", "FROM scratch\nENV D=/data\nWORKDIR $D/x\n", &[]),
    case("scratch-copy-only", "FROM scratch\nCOPY a.txt /\n", A),
    case("user-numeric", "FROM scratch\nUSER 1000:1000\n", &[]),
    case("user-from-env", "FROM scratch\nENV U=app\nUSER $U\n", &[]),
    case("cmd-shell", "FROM scratch\nCMD echo hi there\n", &[]),
    case("cmd-exec", "FROM scratch\nCMD [\"a\", \"b c\"]\n", &[]),
    case("entrypoint-clears-inherited-cmd", "FROM scratch AS base\nCMD [\"x\"]\nFROM base\nENTRYPOINT [\"y\"]\n", &[]),
    case("entrypoint-then-cmd", "FROM scratch\nENTRYPOINT [\"y\"]\nCMD [\"z\"]\n", &[]),
    case("cmd-then-entrypoint", "FROM scratch\nCMD [\"z\"]\nENTRYPOINT [\"y\"]\n", &[]),
    case("volume-forms", "FROM scratch\nVOLUME /data\nVOLUME [\"/a\", \"/b\"]\n", &[]),
    case("stopsignal", "FROM scratch\nSTOPSIGNAL SIGKILL\n", &[]),
    case("shell-then-cmd", "FROM scratch\nSHELL [\"/bin/bash\", \"-c\"]\nCMD echo hi\n", &[]),
    case("healthcheck-options", "FROM scratch\nHEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD [\"/ok\"]\n", &[]),
    case("healthcheck-shell", "FROM scratch\nHEALTHCHECK CMD /ok --quiet\n", &[]),
    case("healthcheck-none", "FROM scratch\nHEALTHCHECK NONE\n", &[]),
    case("onbuild", "FROM scratch\nONBUILD RUN echo hi\n", &[]),
    case("arg-in-child-stage", "FROM scratch AS a\nARG V=1\nENV X=$V\nFROM a\nENV Y=$V\n", &[]),
    case("arg-after-env", "FROM scratch\nENV X=env\nARG X=arg\nENV Y=$X\n", &[]),
    case("arg-targetarch", "FROM scratch\nARG TARGETARCH\nARG TARGETPLATFORM\nENV A=$TARGETARCH P=$TARGETPLATFORM\n", &[]),
    case("global-arg-in-from", "ARG BASE=scratch\nFROM $BASE\nENV A=1\n", &[]),
    case("stage-name-case", "FROM scratch AS Base\nENV A=1\nFROM base\nENV B=2\n", &[]),
    case("copy-file-to-dir", "FROM scratch\nCOPY a.txt /dir/\n", A),
    case("copy-file-rename", "FROM scratch\nCOPY a.txt /b.txt\n", A),
    case("copy-wildcard-one-match", "FROM scratch\nCOPY a.* /dest\n", A),
    case("copy-wildcard-many", "FROM scratch\nCOPY *.txt /d/\n", AB),
    case("copy-several-sources", "FROM scratch\nCOPY a.txt b.txt /d/\n", AB),
    case("copy-dir-contents", "FROM scratch\nCOPY src/ /app/\n", TREE),
    case("copy-dir-no-slash", "FROM scratch\nCOPY src /app\n", TREE),
    case("copy-whole-context", "FROM scratch\nCOPY . /ctx/\n", TREE),
    case("copy-nested-new-dirs", "FROM scratch\nCOPY a.txt /x/y/z/\n", A),
    case("copy-chown-uid-only", "FROM scratch\nCOPY --chown=1000 a.txt /a\n", A),
    case("copy-chown-uid-gid", "FROM scratch\nCOPY --chown=1000:2000 a.txt /a\n", A),
    case("copy-chown-new-dirs", "FROM scratch\nCOPY --chown=1000:1000 a.txt /new/dir/\n", A),
    case("copy-chmod-file", "FROM scratch\nCOPY --chmod=0600 a.txt /a\n", A),
    case("copy-chmod-tree", "FROM scratch\nCOPY --chmod=0700 src /app\n", TREE),
    case("copy-into-workdir", "FROM scratch\nWORKDIR /app\nCOPY a.txt .\n", A),
    case("copy-to-dot", "FROM scratch\nCOPY a.txt .\n", A),
    case("copy-from-stage", "FROM scratch AS s\nCOPY a.txt /x\nFROM scratch\nCOPY --from=s /x /y\n", A),
    case("copy-from-stage-dir", "FROM scratch AS s\nCOPY src /s\nFROM scratch\nCOPY --from=s /s /t\n", TREE),
    case("copy-from-stage-index", "FROM scratch\nCOPY a.txt /x\nFROM scratch\nCOPY --from=0 /x /y\n", A),
    case(
        "dockerignore-exceptions",
        "FROM scratch\nCOPY . /c/\n",
        &[("a.log", "x"), ("keep.log", "k"), ("b.txt", "b"), (".dockerignore", "*.log\n!keep.log\n")],
    ),
    case("dockerignore-dir", "FROM scratch\nCOPY . /c/\n", &[("src/a.go", "a"), ("docs/x.md", "x"), (".dockerignore", "docs\n")]),
    case("copy-empty-dir", "FROM scratch\nCOPY src/empty /e\n", TREE),
    case("copy-symlink-named", "FROM scratch\nCOPY src/link /l\n", TREE),
    case("workdir-then-copy-relative-dest", "FROM scratch\nWORKDIR /w\nCOPY a.txt sub/\n", A),
    case("env-then-copy-dest", "FROM scratch\nENV DEST=/opt/app\nCOPY a.txt $DEST/\n", A),
    case("arg-in-copy", "FROM scratch\nARG F=a.txt\nCOPY $F /f\n", A),
    case("multiple-env-lines-override", "FROM scratch\nENV A=1\nENV A=2\nENV B=$A\n", &[]),
    case("label-single-quoted-dollar", "FROM scratch\nENV V=1\nLABEL a='$V' b=\"$V\" c=\\$V d=$V\n", &[]),
    case("arg-default-quoted", "FROM scratch\nARG A='$X'\nARG B=\"pre $A\"\nENV C=$A D=$B\n", &[]),
    case("env-double-quoted-expansion", "FROM scratch\nENV A=1\nENV B=\"x $A y\" C=\"${A}z\"\n", &[]),
    case("env-backslash-kept", "FROM scratch\nENV A='C:\\dir' B=\"a\\\\b\"\n", &[]),
    case("run-writes-files", "FROM BUSYBOX\nRUN echo hi > /hello && mkdir -p /a/b && chmod 700 /a && ln -s /hello /a/link\n", &[]),
    case("run-removes-files", "FROM BUSYBOX\nRUN rm /etc/group && rm -r /tmp\n", &[]),
    case(
        "run-sees-env-and-args",
        "FROM BUSYBOX\nARG A=arg\nENV E=env\nRUN echo \"$A $E $HOME\" > /seen && env | grep -v HOSTNAME | sort > /env\n",
        &[],
    ),
    case("run-as-user", "FROM BUSYBOX\nUSER app\nRUN id > /tmp/id && echo x > /tmp/mine\n", &[]),
    case("run-in-workdir", "FROM BUSYBOX\nWORKDIR /work/dir\nRUN echo x > here\n", &[]),
    case("run-workdir-user-owned", "FROM BUSYBOX\nUSER 1000:1000\nWORKDIR /home/app/w\nRUN echo x > f\n", &[]),
    case("run-exec-form", "FROM BUSYBOX\nRUN [\"/bin/sh\", \"-c\", \"echo exec > /e\"]\n", &[]),
    case("run-shell-changed", "FROM BUSYBOX\nSHELL [\"/bin/sh\", \"-ec\"]\nRUN echo shell > /s\n", &[]),
    case("copy-then-run", "FROM BUSYBOX\nCOPY a.txt /app/\nRUN cp /app/a.txt /app/b.txt && chmod 600 /app/b.txt\n", A),
    case("copy-chown-name", "FROM BUSYBOX\nCOPY --chown=app a.txt /home/app/\n", A),
    case("copy-into-tmp-keeps-mode", "FROM BUSYBOX\nCOPY a.txt /tmp/\n", A),
    case("run-overwrites-dir-with-file", "FROM BUSYBOX\nRUN rm -r /tmp && echo f > /tmp\n", &[]),
    case("copy-glob-hidden", "FROM scratch\nCOPY * /d/\n", &[("a.txt", "a"), (".hidden", "h"), ("b.txt", "b")]),
    case("copy-glob-in-dir", "FROM scratch\nCOPY src/*.go /d/\n", TREE),
    case("copy-chmod-dir-source", "FROM scratch\nCOPY --chmod=755 src /app\n", TREE),
    case("copy-whole-context-into-workdir", "FROM scratch\nWORKDIR /w\nCOPY . .\n", AB),
    case("env-same-name-twice", "FROM scratch\nENV A=1 A=2 B=$A\n", &[]),
    case("label-continuation", "FROM scratch\nLABEL a=1 \\\n      b=2\n", &[]),
    case("arg-without-default", "FROM scratch\nARG X\nENV Y=${X:-dflt} Z=x${X}y\n", &[]),
    case("expose-duplicates", "FROM scratch\nEXPOSE 80/tcp 80 443\n", &[]),
    case("volume-from-env", "FROM scratch\nENV V=/vol\nVOLUME $V /other\n", &[]),
    case("run-whiteout-across-layers", "FROM BUSYBOX\nRUN echo x > /f && mkdir /d && echo y > /d/g\nRUN rm /f\n", &[]),
    case("run-opaque-dir", "FROM BUSYBOX\nRUN mkdir /d && echo y > /d/g\nRUN rm -r /d && mkdir /d && echo z > /d/h\n", &[]),
    case("user-then-copy-chown-names", "FROM BUSYBOX\nUSER app\nCOPY --chown=app:app a.txt /home/app/a\n", A),
    case("run-chmod-setuid", "FROM BUSYBOX\nRUN echo x > /s && chmod 4755 /s\n", &[]),
    case("workdir-existing-file-dir", "FROM BUSYBOX\nWORKDIR /tmp\nRUN echo x > f\n", &[]),
    case("copy-from-image", "FROM scratch\nCOPY --from=BUSYBOX /etc/passwd /p\n", &[]),
    case("onbuild-of-a-stage", "FROM scratch AS a\nONBUILD ENV X=1\nFROM a\nENV Y=2\n", &[]),
    case("env-key-expanded", "FROM scratch\nENV K=A\nENV $K=v\n", &[]),
    case("expose-range-from-env", "FROM scratch\nENV P=8000-8001\nEXPOSE $P/udp\n", &[]),
    case("user-names-pair", "FROM scratch\nUSER app:app\n", &[]),
    case("cmd-not-json-is-shell", "FROM scratch\nCMD [not json]\n", &[]),
    case("entrypoint-shell-form", "FROM scratch\nENTRYPOINT echo hi\n", &[]),
    case("arg-global-redeclared", "ARG V=1\nFROM scratch\nARG V\nENV X=$V\n", &[]),
    case("arg-global-not-redeclared", "ARG V=1\nFROM scratch\nENV X=$V\n", &[]),
    case("chown-copy-into-user-workdir", "FROM BUSYBOX\nUSER app\nWORKDIR /home/app/x\nCOPY --chown=app a.txt .\n", A),
    case("workdir-quoted", "FROM scratch\nENV D=/data\nWORKDIR \"$D/x y\"\n", &[]),
    case(
        "onbuild-run-and-copy",
        "FROM BUSYBOX AS base\nONBUILD RUN echo built > /triggered\nONBUILD COPY a.txt /a\nFROM base\nRUN cat /triggered /a > /both\n",
        A,
    ),
    case("onbuild-chain", "FROM scratch AS a\nONBUILD ENV A=1\nFROM a AS b\nONBUILD ENV B=$A\nENV C=1\nFROM b\n", &[]),
    case("onbuild-arg-trigger", "FROM scratch AS a\nONBUILD ARG V=x\nONBUILD ENV W=$V\nFROM a\nENV Z=$V\n", &[]),
    case("onbuild-not-nested", "FROM scratch\nONBUILD ONBUILD ENV X=1\n", &[]),
    case("env-double-quote-escapes", "FROM scratch\nENV C=\"tab\\tx\" D=\"q\\\"q\" E='s\\x' F=\"d\\$HOME\" G=a\\\\b\n", &[]),
    case("env-value-mixes-quotes", "FROM scratch\nENV A=x B=\"$A\"'$A'$A\"'\"\n", &[]),
    case("arg-default-quoted", "FROM scratch\nARG V=\"two words\"\nARG W='$V'\nENV X=$V Y=$W\n", &[]),
    case("workdir-escaped-space", "FROM scratch\nWORKDIR /a\\ b/'c d'\n", &[]),
    case("label-key-and-value-quoting", "FROM scratch\nENV N=name\nLABEL \"$N\"=\"v \\\"1\\\"\" '$N'=raw\n", &[]),
    case("env-legacy-with-quotes", "FROM scratch\nENV A \"quoted value\" and 'more'\n", &[]),
    case("expose-and-volume-quoted", "FROM scratch\nENV P=8080\nEXPOSE \"$P\"/tcp\nVOLUME \"/data dir\"\n", &[]),
    case(
        "escape-directive-backtick",
        "# escape=`\nFROM scratch\nENV A=C:\\path B=x`$y C=\"q`\"q\\\" D='s`x\\y' E=a`\\b\nLABEL l=a`b\nWORKDIR /w`$x\n",
        &[],
    ),
    case("onbuild-from-registry", "FROM TRIGGERS_IMAGE\nRUN cat /trig /from-context > /seen\nENV U=$T\n", A),
    case("onbuild-from-registry-alone", "FROM TRIGGERS_IMAGE\n", A),
    case("onbuild-registry-image-copied-from", "FROM scratch\nCOPY --from=TRIGGERS_IMAGE /bin/busybox /bb\n", &[]),
    case("env-without-value", "FROM scratch\nENV NAME\n", &[]),
    case("user-quoted", "FROM scratch\nENV U=app\nUSER \"$U\":'grp'\n", &[]),
];

/// Cases where mpbake builds something else than Debian's BuildKit v0.8, with why: only where
/// v0.8 and current BuildKit differ and mpbake follows current BuildKit.
pub const DIFFERING: &[(&str, &str)] = &[(
    "copy-chmod-tree",
    "v0.8 leaves the directory a directory source is copied into 0755; current BuildKit, the reference, gives it --chmod's mode, as mpbake does (current.rs: copy-chmod-directory; docs/build.md)",
)];

/// Cases both engines refuse (a refusal is compared too: both must refuse).
pub const REFUSED: &[&str] = &["onbuild-not-nested", "expose-and-volume-quoted", "env-without-value"];

/// Writes one context entry under `root`.
pub fn write(root: &Path, path: &str, contents: &str) {
    let at = root.join(path.trim_end_matches('/'));
    std::fs::create_dir_all(if path.ends_with('/') { at.as_path() } else { at.parent().unwrap_or(root) })
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    if path.ends_with('/') {
        return;
    }
    match contents.strip_prefix("-> ") {
        Some(target) => std::os::unix::fs::symlink(target, &at).unwrap_or_else(|e| panic!("{path}: {e}")),
        None => std::fs::write(&at, contents).unwrap_or_else(|e| panic!("{path}: {e}")),
    }
}
