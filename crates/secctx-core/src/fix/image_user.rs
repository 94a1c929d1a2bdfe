//! Who an image runs as, for the identity remedies: the uid comes from the image (a numeric
//! `USER`, a named `USER` looked up in its `/etc/passwd`, or, for an image that runs as root, a
//! non-root user of its `/etc/passwd`), never a guess.

use crate::image::{ImageInfo, PasswdEntry};

/// What the image's config `USER` means for `runAsNonRoot`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageUser {
    /// No image data was given (`--image NAME=PATH`).
    Unknown,
    /// A numeric non-zero `USER` (`1000`, `1000:1000`): the kubelet verifies it.
    Numeric {
        /// The uid.
        uid: i64,
    },
    /// A named `USER` that `/etc/passwd` maps to a non-root uid: the kubelet cannot verify a
    /// name (the runAsNonRoot trap), so the uid must be written as `runAsUser`.
    Named {
        /// The `USER` name.
        name: String,
        /// Its uid in `/etc/passwd`.
        uid: i64,
        /// The group part of `USER` resolved to a gid, when it has one.
        gid: Option<i64>,
    },
    /// The image runs as root (`USER` empty, `0` or a name of uid 0).
    Root,
    /// The `USER` cannot be resolved (a name missing from `/etc/passwd`): the container
    /// cannot start as it is.
    Unresolvable(String),
}

/// Reads the image's `USER`.
pub fn image_user(image: Option<&ImageInfo>) -> ImageUser {
    let Some(img) = image else {
        return ImageUser::Unknown;
    };
    let (user, group) = match img.user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (img.user.as_str(), None),
    };
    if user.is_empty() {
        return ImageUser::Root;
    }
    if let Ok(uid) = user.parse::<i64>() {
        return if uid == 0 {
            ImageUser::Root
        } else {
            ImageUser::Numeric { uid }
        };
    }
    let Some(entry) = img.user_by_name(user) else {
        return ImageUser::Unresolvable(format!(
            "the image's USER {user:?} is not in its /etc/passwd"
        ));
    };
    if entry.uid == 0 {
        return ImageUser::Root;
    }
    let gid = match group {
        None | Some("") => None,
        Some(g) => match g.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => match img.group_by_name(g) {
                Some(e) => Some(e.gid),
                None => {
                    return ImageUser::Unresolvable(format!(
                        "the image's USER group {g:?} is not in its /etc/group"
                    ));
                }
            },
        },
    };
    ImageUser::Named {
        name: user.to_owned(),
        uid: entry.uid,
        gid,
    }
}

/// The non-root user of the image's `/etc/passwd` a root image is switched to: `nobody` when
/// it has one, else the lowest uid from 1000, else the lowest non-zero uid.
pub fn non_root_user(image: &ImageInfo) -> Option<&PasswdEntry> {
    let entries = image.passwd.entries()?;
    let candidates = || entries.iter().filter(|e| e.uid > 0);
    candidates()
        .find(|e| e.name == "nobody")
        .or_else(|| candidates().filter(|e| e.uid >= 1000).min_by_key(|e| e.uid))
        .or_else(|| candidates().min_by_key(|e| e.uid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{ImageFile, parse_group, parse_passwd};

    fn image(user: &str, passwd: &str) -> ImageInfo {
        ImageInfo {
            source: "test".into(),
            user: user.into(),
            env: vec![],
            entrypoint: vec![],
            cmd: vec![],
            working_dir: String::new(),
            passwd: ImageFile::Present {
                entries: parse_passwd(passwd),
                meta: None,
            },
            group: ImageFile::Present {
                entries: parse_group("root:x:0:\napp:x:2000:\n"),
                meta: None,
            },
        }
    }

    const PASSWD: &str = "root:x:0:0::/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\napp:x:1001:1001::/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n";

    #[test]
    fn users() {
        assert_eq!(image_user(None), ImageUser::Unknown);
        assert_eq!(image_user(Some(&image("", PASSWD))), ImageUser::Root);
        assert_eq!(image_user(Some(&image("0:0", PASSWD))), ImageUser::Root);
        assert_eq!(image_user(Some(&image("root", PASSWD))), ImageUser::Root);
        assert_eq!(
            image_user(Some(&image("1000:1000", PASSWD))),
            ImageUser::Numeric { uid: 1000 }
        );
        assert_eq!(
            image_user(Some(&image("app", PASSWD))),
            ImageUser::Named {
                name: "app".into(),
                uid: 1001,
                gid: None
            }
        );
        assert_eq!(
            image_user(Some(&image("app:app", PASSWD))),
            ImageUser::Named {
                name: "app".into(),
                uid: 1001,
                gid: Some(2000)
            }
        );
        assert!(matches!(
            image_user(Some(&image("ghost", PASSWD))),
            ImageUser::Unresolvable(r) if r.contains("\"ghost\"")
        ));
    }

    #[test]
    fn non_root_users() {
        assert_eq!(non_root_user(&image("", PASSWD)).unwrap().name, "nobody");
        let no_nobody = "root:x:0:0::/:/\nbin:x:2:2::/:/\ndaemon:x:1:1::/:/\napp:x:1500:1::/:/\nweb:x:1200:1::/:/\n";
        assert_eq!(non_root_user(&image("", no_nobody)).unwrap().name, "web");
        let system = "root:x:0:0::/:/\nbin:x:2:2::/:/\ndaemon:x:1:1::/:/\n";
        assert_eq!(non_root_user(&image("", system)).unwrap().name, "daemon");
        assert_eq!(non_root_user(&image("", "root:x:0:0::/:/\n")), None);
    }
}
