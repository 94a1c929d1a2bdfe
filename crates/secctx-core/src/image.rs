//! What secctx knows about an image: its config (`User`, `Env`, `Entrypoint`, `Cmd`,
//! `WorkingDir`) and the `/etc/passwd` and `/etc/group` of its final rootfs.
//!
//! Reading images from disk is the runtime crate's job; this module holds the data and the
//! parsing of the two files, with the rules of the `moby/sys/user` parser containerd uses: lines
//! are `:`-separated, blank lines skipped, numeric fields that do not parse count as 0.

/// One `/etc/passwd` line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PasswdEntry {
    /// User name.
    pub name: String,
    /// User id.
    pub uid: i64,
    /// Primary group id.
    pub gid: i64,
    /// Home directory.
    pub home: String,
}

/// One `/etc/group` line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Group id.
    pub gid: i64,
    /// Member user names.
    pub members: Vec<String>,
}

/// Owner and mode of a file in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FileMeta {
    /// Owner uid.
    pub uid: i64,
    /// Owner gid.
    pub gid: i64,
    /// Permission bits (`0o644`).
    pub mode: u32,
}

impl FileMeta {
    /// Whether a process with `uid`, `gid`, `groups` can read the file (`dac_override`: it
    /// holds CAP_DAC_OVERRIDE or CAP_DAC_READ_SEARCH in its effective set).
    pub fn readable_by(&self, uid: i64, gid: i64, groups: &[i64], dac_override: bool) -> bool {
        if dac_override {
            return true;
        }
        if uid == self.uid {
            return self.mode & 0o400 != 0;
        }
        if gid == self.gid || groups.contains(&self.gid) {
            return self.mode & 0o040 != 0;
        }
        self.mode & 0o004 != 0
    }
}

/// A file of the image's rootfs as secctx found it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ImageFile<T> {
    /// The file exists and was parsed.
    Present {
        /// Parsed entries, in file order.
        entries: Vec<T>,
        /// Owner and mode, when the image format records them.
        meta: Option<FileMeta>,
    },
    /// The file does not exist in the image.
    Missing,
    /// The file could not be read (a symlink pointing elsewhere, an unreadable layer).
    Unreadable {
        /// Why.
        reason: String,
    },
}

impl<T> ImageFile<T> {
    /// Owner and mode of the file, when known.
    pub fn meta(&self) -> Option<FileMeta> {
        match self {
            ImageFile::Present { meta, .. } => *meta,
            _ => None,
        }
    }

    /// The entries, when the file was read (a missing file has none).
    pub fn entries(&self) -> Option<&[T]> {
        match self {
            ImageFile::Present { entries, .. } => Some(entries),
            ImageFile::Missing => Some(&[]),
            ImageFile::Unreadable { .. } => None,
        }
    }
}

/// Everything secctx reads from an image.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageInfo {
    /// Where the image came from (path and format), for provenance.
    pub source: String,
    /// The config `User` (empty when unset).
    pub user: String,
    /// The config `Env`.
    pub env: Vec<String>,
    /// The config `Entrypoint`.
    pub entrypoint: Vec<String>,
    /// The config `Cmd`.
    pub cmd: Vec<String>,
    /// The config `WorkingDir`.
    pub working_dir: String,
    /// `/etc/passwd`.
    pub passwd: ImageFile<PasswdEntry>,
    /// `/etc/group`.
    pub group: ImageFile<GroupEntry>,
}

impl ImageInfo {
    /// The passwd entry of `uid`, first match.
    pub fn user_by_uid(&self, uid: i64) -> Option<&PasswdEntry> {
        self.passwd.entries()?.iter().find(|e| e.uid == uid)
    }

    /// The passwd entry named `name`, first match.
    pub fn user_by_name(&self, name: &str) -> Option<&PasswdEntry> {
        self.passwd.entries()?.iter().find(|e| e.name == name)
    }

    /// The group entry of `gid`, first match.
    pub fn group_by_gid(&self, gid: i64) -> Option<&GroupEntry> {
        self.group.entries()?.iter().find(|e| e.gid == gid)
    }

    /// The group entry named `name`, first match.
    pub fn group_by_name(&self, name: &str) -> Option<&GroupEntry> {
        self.group.entries()?.iter().find(|e| e.name == name)
    }
}

fn fields(line: &str) -> Option<Vec<&str>> {
    let line = line.trim();
    if line.is_empty() {
        return None;
    }
    Some(line.split(':').collect())
}

fn atoi(s: Option<&&str>) -> i64 {
    s.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)
}

/// Parses `/etc/passwd` text.
pub fn parse_passwd(text: &str) -> Vec<PasswdEntry> {
    text.lines()
        .filter_map(fields)
        .map(|f| PasswdEntry {
            name: f[0].to_string(),
            uid: atoi(f.get(2)),
            gid: atoi(f.get(3)),
            home: f.get(5).unwrap_or(&"").to_string(),
        })
        .collect()
}

/// Parses `/etc/group` text.
pub fn parse_group(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter_map(fields)
        .map(|f| GroupEntry {
            name: f[0].to_string(),
            gid: atoi(f.get(2)),
            members: f
                .get(3)
                .map(|m| {
                    m.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_moby_sys_user() {
        let p = parse_passwd(
            "root:x:0:0:root:/root:/bin/sh\n\nuser-defined-in-image:x:1000:1000::/home:/bin/sh\nbad:x:abc\n",
        );
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].name, "user-defined-in-image");
        assert_eq!(p[1].uid, 1000);
        assert_eq!(p[2].uid, 0);
        let g =
            parse_group("root:x:0:\ngroup-defined-in-image:x:50000:user-defined-in-image,other\n");
        assert_eq!(g[1].gid, 50000);
        assert_eq!(g[1].members, vec!["user-defined-in-image", "other"]);
        assert!(g[0].members.is_empty());
    }
}
