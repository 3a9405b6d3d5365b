//! Finds a system font with Chinese glyphs for the PDF and the chart images: what fontconfig
//! picks for Simplified Chinese, else the well-known files of fonts-noto-cjk and
//! fonts-wqy-microhei.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Well-known CJK font files (path, face index), tried when fontconfig has no answer.
const KNOWN_FONTS: [(&str, u32); 6] = [
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf", 0),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
];

/// A font file read into memory, with the face to use.
#[derive(Clone)]
pub struct CjkFont {
    /// Where it was found.
    pub path: PathBuf,
    /// The file's bytes.
    pub data: Arc<Vec<u8>>,
    /// The face index inside a collection (0 for a single font).
    pub index: u32,
}

/// Why no usable font was found.
#[derive(Debug, thiserror::Error)]
#[error(
    "no font with Chinese characters was found (install fonts-noto-cjk or fonts-wqy-microhei); tried fontconfig and {tried}"
)]
pub struct NoCjkFont {
    tried: String,
}

/// Whether face `index` of `data` has glyphs for Chinese text.
fn has_cjk(data: &[u8], index: u32) -> bool {
    use ab_glyph::Font as _;
    ab_glyph::FontRef::try_from_slice_and_index(data, index).is_ok_and(|font| font.glyph_id('报').0 != 0)
}

fn load(path: &Path, index: u32) -> Option<CjkFont> {
    let data = std::fs::read(path).ok()?;
    let index = if has_cjk(&data, index) { index } else { (0..8).find(|i| has_cjk(&data, *i))? };
    Some(CjkFont { path: path.to_owned(), data: Arc::new(data), index })
}

/// What `fc-match` picks for Simplified Chinese sans-serif text.
fn fontconfig_choice() -> Option<(PathBuf, u32)> {
    let output = std::process::Command::new("fc-match")
        .args(["--format", "%{file}\n%{index}", "sans-serif:lang=zh-cn"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let mut lines = text.lines();
    let path = PathBuf::from(lines.next()?.trim());
    let index = lines.next().and_then(|line| line.trim().parse().ok()).unwrap_or(0);
    Some((path, index))
}

/// Finds and reads a CJK font.
pub fn find_cjk_font() -> Result<CjkFont, NoCjkFont> {
    if let Some(font) = fontconfig_choice().and_then(|(path, index)| load(&path, index)) {
        return Ok(font);
    }
    KNOWN_FONTS
        .iter()
        .find_map(|(path, index)| load(Path::new(path), *index))
        .ok_or_else(|| NoCjkFont { tried: KNOWN_FONTS.iter().map(|(path, _)| *path).collect::<Vec<_>>().join(", ") })
}
