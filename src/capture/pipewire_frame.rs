//! PipeWire's screen buffers turned into our RGBA images, pure (no PipeWire calls): the pixel
//! formats we negotiate (BGRx / RGBx / BGRA / RGBA, shared memory only), the row stride, and the
//! compositor's damage rectangles (only those are copied). Every bad buffer is a typed error.

use super::{PixelRect, ScreenImage};
use crate::codec::MAX_DIMENSION;

/// The 32-bit pixel layouts asked of the compositor (byte order in memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShmFormat {
    /// Blue, green, red, unused.
    Bgrx,
    /// Red, green, blue, unused.
    Rgbx,
    /// Blue, green, red, alpha.
    Bgra,
    /// Red, green, blue, alpha.
    Rgba,
}

impl ShmFormat {
    /// Every format we accept.
    pub const ALL: [ShmFormat; 4] = [ShmFormat::Bgrx, ShmFormat::Rgbx, ShmFormat::Bgra, ShmFormat::Rgba];

    /// Whether red and blue swap places on the way to RGBA.
    fn swaps_red_blue(self) -> bool {
        matches!(self, ShmFormat::Bgrx | ShmFormat::Bgra)
    }

    /// Whether the fourth byte is padding (made opaque) rather than alpha.
    fn pads_alpha(self) -> bool {
        matches!(self, ShmFormat::Bgrx | ShmFormat::Rgbx)
    }
}

/// How one buffer's pixels lie in its memory, as the stream and the buffer's chunk say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferLayout {
    /// The negotiated format; `None` when the stream named one we did not ask for.
    pub format: Option<ShmFormat>,
    /// The stream's raw format number (for the error when `format` is `None`).
    pub raw_format: u32,
    /// Width, pixels.
    pub width: u32,
    /// Height, pixels.
    pub height: u32,
    /// Bytes from one row to the next (the chunk's stride; 0: rows are packed).
    pub stride_bytes: i32,
    /// Where the first row starts in the mapped memory, bytes.
    pub offset_bytes: u32,
    /// How many bytes of the memory hold this frame (the chunk's size).
    pub size_bytes: u32,
}

/// Why a buffer could not be turned into an image.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BufferError {
    /// A pixel format other than the four we negotiate.
    #[error("unknown pixel format {raw_format} in a screen buffer")]
    UnknownFormat {
        /// The stream's format number.
        raw_format: u32,
    },
    /// Zero or implausibly large.
    #[error("a screen buffer of {width}×{height} pixels (at most {MAX_DIMENSION} a side)")]
    BadSize {
        /// Width, pixels.
        width: u32,
        /// Height, pixels.
        height: u32,
    },
    /// Negative, shorter than a row, or not a whole number of pixels.
    #[error("a screen buffer's stride of {stride_bytes} bytes does not fit rows of {width} pixels")]
    BadStride {
        /// The stride given.
        stride_bytes: i32,
        /// Width, pixels.
        width: u32,
    },
    /// Fewer bytes than the rows need (or a chunk past the end of its memory).
    #[error("a short screen buffer: {have_bytes} bytes where {need_bytes} are needed")]
    Short {
        /// Bytes there are.
        have_bytes: usize,
        /// Bytes the rows need.
        need_bytes: usize,
    },
    /// The buffer's memory is not mapped (e.g. a DMA-BUF we did not ask for).
    #[error("a screen buffer without mapped memory")]
    NotMapped,
}

/// Keeps the shared screen as one RGBA image and brings it up to date from each buffer: the
/// damaged rectangles only when the compositor names them, else the whole buffer.
#[derive(Debug, Default)]
pub struct FrameAssembler {
    image: Option<ScreenImage>,
    /// One converted row, compared with the image before it is copied in.
    scratch: Vec<u8>,
}

impl FrameAssembler {
    /// An assembler without an image yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one buffer. `memory` is the mapped memory of the buffer's first data block;
    /// `damage` the rectangles that changed (`None` or empty: unknown, all of it). Returns the
    /// number of rectangles in which a pixel changed (0: the buffer changed nothing, e.g. the
    /// same picture again). On an error the image stays as it was.
    pub fn apply(
        &mut self,
        layout: &BufferLayout,
        memory: &[u8],
        damage: Option<&[PixelRect]>,
    ) -> Result<usize, BufferError> {
        let rows = Rows::check(layout, memory)?;
        let (width, height) = (layout.width, layout.height);
        let resized = self.image.as_ref().is_none_or(|image| (image.width, image.height) != (width, height));
        let whole = [PixelRect { x: 0, y: 0, width, height }];
        let rects: Vec<PixelRect> = match damage {
            Some(rects) if !rects.is_empty() && !resized => {
                rects.iter().filter_map(|rect| clip(rect, width, height)).collect()
            }
            _ => whole.to_vec(),
        };
        let image = match &mut self.image {
            Some(image) if !resized => image,
            slot => slot.insert(ScreenImage { width, height, rgba: vec![0; width as usize * height as usize * 4] }),
        };
        let mut scratch = std::mem::take(&mut self.scratch);
        let changed = rects.iter().filter(|rect| rows.copy_rect(image, rect, &mut scratch) || resized).count();
        self.scratch = scratch;
        Ok(changed)
    }

    /// The screen as last assembled.
    pub fn image(&self) -> Option<&ScreenImage> {
        self.image.as_ref()
    }
}

/// `rect` cut to a `width`×`height` image; `None` when nothing is left.
fn clip(rect: &PixelRect, width: u32, height: u32) -> Option<PixelRect> {
    let x_end = rect.x.saturating_add(rect.width).min(width);
    let y_end = rect.y.saturating_add(rect.height).min(height);
    (rect.x < x_end && rect.y < y_end).then(|| PixelRect {
        x: rect.x,
        y: rect.y,
        width: x_end - rect.x,
        height: y_end - rect.y,
    })
}

/// A buffer's rows, checked against its layout.
struct Rows<'a> {
    bytes: &'a [u8],
    stride: usize,
    format: ShmFormat,
}

impl<'a> Rows<'a> {
    fn check(layout: &BufferLayout, memory: &'a [u8]) -> Result<Self, BufferError> {
        let format = layout.format.ok_or(BufferError::UnknownFormat { raw_format: layout.raw_format })?;
        let (width, height) = (layout.width, layout.height);
        if width == 0 || height == 0 || width > MAX_DIMENSION || height > MAX_DIMENSION {
            return Err(BufferError::BadSize { width, height });
        }
        let row_bytes = width as usize * 4;
        let stride = match layout.stride_bytes {
            0 => row_bytes,
            given => usize::try_from(given)
                .ok()
                .filter(|&stride| stride >= row_bytes && stride % 4 == 0)
                .ok_or(BufferError::BadStride { stride_bytes: given, width })?,
        };
        let need_bytes = stride * (height as usize - 1) + row_bytes;
        let offset = layout.offset_bytes as usize;
        let size = layout.size_bytes as usize;
        let end = offset.checked_add(size).filter(|&end| end <= memory.len());
        let Some(end) = end else {
            return Err(BufferError::Short { have_bytes: memory.len(), need_bytes: offset.saturating_add(size) });
        };
        if size < need_bytes {
            return Err(BufferError::Short { have_bytes: size, need_bytes });
        }
        Ok(Self { bytes: &memory[offset..end], stride, format })
    }

    /// Copies `rect` (inside the image) into `image` as RGBA, row by row through `scratch`;
    /// whether any pixel changed (a compositor may send a buffer that changed nothing).
    fn copy_rect(&self, image: &mut ScreenImage, rect: &PixelRect, scratch: &mut Vec<u8>) -> bool {
        let image_stride = image.width as usize * 4;
        let (left, span) = (rect.x as usize * 4, rect.width as usize * 4);
        scratch.resize(span, 0);
        let mut changed = false;
        for y in rect.y as usize..(rect.y + rect.height) as usize {
            let source = &self.bytes[y * self.stride + left..y * self.stride + left + span];
            let target = &mut image.rgba[y * image_stride + left..y * image_stride + left + span];
            convert_row(self.format, source, scratch);
            if target != scratch.as_slice() {
                target.copy_from_slice(scratch);
                changed = true;
            }
        }
        changed
    }
}

/// One row of `format` pixels into RGBA.
fn convert_row(format: ShmFormat, source: &[u8], target: &mut [u8]) {
    let (swap, opaque) = (format.swaps_red_blue(), format.pads_alpha());
    if !swap && !opaque {
        target.copy_from_slice(source);
        return;
    }
    if swap && opaque {
        super::bgrx_to_rgba(source, target);
        return;
    }
    for (pixel, out) in source.chunks_exact(4).zip(target.chunks_exact_mut(4)) {
        let (red, blue) = if swap { (pixel[2], pixel[0]) } else { (pixel[0], pixel[2]) };
        out.copy_from_slice(&[red, pixel[1], blue, if opaque { 255 } else { pixel[3] }]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::blank_regions;

    /// A `width`×`height` buffer in `format` with `stride` bytes a row; pixel (x, y) has red x,
    /// green y, blue x + y, alpha 7; padding bytes are 0xEE.
    fn buffer(format: ShmFormat, width: u32, height: u32, stride: usize) -> Vec<u8> {
        let mut bytes = vec![0xEE; stride * height as usize];
        for y in 0..height as usize {
            for x in 0..width as usize {
                let (red, green, blue) = (x as u8, y as u8, (x + y) as u8);
                let pixel = match format {
                    ShmFormat::Bgrx | ShmFormat::Bgra => [blue, green, red, 7],
                    ShmFormat::Rgbx | ShmFormat::Rgba => [red, green, blue, 7],
                };
                bytes[y * stride + x * 4..y * stride + x * 4 + 4].copy_from_slice(&pixel);
            }
        }
        bytes
    }

    fn layout(format: ShmFormat, width: u32, height: u32, stride: usize, size: usize) -> BufferLayout {
        BufferLayout {
            format: Some(format),
            raw_format: 0,
            width,
            height,
            stride_bytes: stride as i32,
            offset_bytes: 0,
            size_bytes: size as u32,
        }
    }

    fn pixel(image: &ScreenImage, x: u32, y: u32) -> [u8; 4] {
        let at = ((y * image.width + x) * 4) as usize;
        [image.rgba[at], image.rgba[at + 1], image.rgba[at + 2], image.rgba[at + 3]]
    }

    #[test]
    fn every_format_becomes_rgba_and_padding_becomes_opaque() {
        for format in ShmFormat::ALL {
            let bytes = buffer(format, 5, 3, 20);
            let mut assembler = FrameAssembler::new();
            assert_eq!(assembler.apply(&layout(format, 5, 3, 20, bytes.len()), &bytes, None), Ok(1));
            let image = assembler.image().unwrap();
            let alpha = if format.pads_alpha() { 255 } else { 7 };
            for y in 0..3 {
                for x in 0..5 {
                    assert_eq!(pixel(image, x, y), [x as u8, y as u8, (x + y) as u8, alpha], "{format:?} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn padded_rows_and_an_offset_are_skipped() {
        let stride = 5 * 4 + 12;
        let mut bytes = vec![0x11; 8];
        bytes.extend(buffer(ShmFormat::Rgba, 5, 3, stride));
        let mut given = layout(ShmFormat::Rgba, 5, 3, stride, bytes.len() - 8);
        given.offset_bytes = 8;
        let mut assembler = FrameAssembler::new();
        assembler.apply(&given, &bytes, None).unwrap();
        let image = assembler.image().unwrap();
        assert_eq!(image.rgba.len(), 5 * 3 * 4);
        assert!(!image.rgba.contains(&0xEE), "no padding byte reached the image");
        assert_eq!(pixel(image, 4, 2), [4, 2, 6, 7]);
    }

    #[test]
    fn the_last_row_needs_no_padding() {
        let stride = 5 * 4 + 12;
        let bytes = buffer(ShmFormat::Bgrx, 5, 3, stride);
        let size = stride * 2 + 5 * 4;
        let mut assembler = FrameAssembler::new();
        assert_eq!(assembler.apply(&layout(ShmFormat::Bgrx, 5, 3, stride, size), &bytes, None), Ok(1));
    }

    #[test]
    fn short_buffers_are_errors() {
        let bytes = buffer(ShmFormat::Rgbx, 5, 3, 20);
        let mut assembler = FrameAssembler::new();
        // The chunk says less than the rows need.
        assert_eq!(
            assembler.apply(&layout(ShmFormat::Rgbx, 5, 3, 20, 59), &bytes, None),
            Err(BufferError::Short { have_bytes: 59, need_bytes: 60 })
        );
        // The chunk claims more than the memory holds.
        assert!(matches!(
            assembler.apply(&layout(ShmFormat::Rgbx, 5, 3, 20, 60), &bytes[..40], None),
            Err(BufferError::Short { .. })
        ));
        // An offset past the end (no overflow on the way).
        let mut far = layout(ShmFormat::Rgbx, 5, 3, 20, 60);
        far.offset_bytes = u32::MAX;
        far.size_bytes = u32::MAX;
        assert!(matches!(assembler.apply(&far, &bytes, None), Err(BufferError::Short { .. })));
        assert!(assembler.image().is_none(), "nothing was taken from a bad buffer");
    }

    #[test]
    fn odd_strides_unknown_formats_and_bad_sizes_are_errors() {
        let bytes = buffer(ShmFormat::Rgba, 5, 3, 40);
        let mut assembler = FrameAssembler::new();
        for stride in [-20, 19, 22] {
            assert_eq!(
                assembler.apply(&layout(ShmFormat::Rgba, 5, 3, 0, 120), &bytes, None).map(|_| ()),
                Ok(()),
                "packed rows are fine"
            );
            let mut given = layout(ShmFormat::Rgba, 5, 3, 0, 120);
            given.stride_bytes = stride;
            assert_eq!(
                assembler.apply(&given, &bytes, None),
                Err(BufferError::BadStride { stride_bytes: stride, width: 5 })
            );
        }
        let mut unknown = layout(ShmFormat::Rgba, 5, 3, 20, 60);
        unknown.format = None;
        unknown.raw_format = 99;
        assert_eq!(assembler.apply(&unknown, &bytes, None), Err(BufferError::UnknownFormat { raw_format: 99 }));
        for (width, height) in [(0, 3), (5, 0), (MAX_DIMENSION + 1, 1)] {
            assert_eq!(
                assembler.apply(&layout(ShmFormat::Rgba, width, height, 0, 60), &bytes, None),
                Err(BufferError::BadSize { width, height })
            );
        }
    }

    #[test]
    fn only_damaged_rectangles_are_copied() {
        let mut assembler = FrameAssembler::new();
        let first = vec![0u8; 8 * 4 * 4];
        assembler.apply(&layout(ShmFormat::Rgba, 8, 4, 32, first.len()), &first, None).unwrap();
        let second = vec![200u8; 8 * 4 * 4];
        let damage = [PixelRect { x: 1, y: 1, width: 2, height: 2 }, PixelRect { x: 6, y: 3, width: 50, height: 50 }];
        let copied = assembler.apply(&layout(ShmFormat::Rgba, 8, 4, 32, second.len()), &second, Some(&damage));
        assert_eq!(copied, Ok(2));
        let image = assembler.image().unwrap();
        for y in 0..4 {
            for x in 0..8 {
                let damaged = ((1..3).contains(&x) && (1..3).contains(&y)) || (x >= 6 && y == 3);
                let expected = if damaged { [200; 4] } else { [0; 4] };
                assert_eq!(pixel(image, x, y), expected, "pixel {x},{y}");
            }
        }
        // Damage wholly outside the image changes nothing.
        let outside = [PixelRect { x: 9, y: 0, width: 4, height: 4 }];
        assert_eq!(assembler.apply(&layout(ShmFormat::Rgba, 8, 4, 32, first.len()), &first, Some(&outside)), Ok(0));
        assert_eq!(pixel(assembler.image().unwrap(), 1, 1), [200; 4]);
    }

    #[test]
    fn the_same_picture_again_changes_nothing() {
        let bytes = buffer(ShmFormat::Bgrx, 6, 4, 32);
        let mut assembler = FrameAssembler::new();
        let given = layout(ShmFormat::Bgrx, 6, 4, 32, bytes.len());
        assert_eq!(assembler.apply(&given, &bytes, None), Ok(1));
        assert_eq!(assembler.apply(&given, &bytes, None), Ok(0), "an unchanged buffer without damage");
        let damage = [PixelRect { x: 0, y: 0, width: 3, height: 3 }];
        assert_eq!(assembler.apply(&given, &bytes, Some(&damage)), Ok(0), "damage that changed no pixel");
        let mut other = bytes.clone();
        other[32 * 3 + 4 * 5] ^= 0xFF;
        assert_eq!(assembler.apply(&given, &other, None), Ok(1), "one pixel is a change");
        // A first picture counts as a change even when it is all zeros.
        let mut fresh = FrameAssembler::new();
        let zeros = vec![0u8; 2 * 2 * 4];
        assert_eq!(fresh.apply(&layout(ShmFormat::Rgba, 2, 2, 8, zeros.len()), &zeros, None), Ok(1));
    }

    #[test]
    fn damage_on_a_new_size_takes_the_whole_buffer() {
        let mut assembler = FrameAssembler::new();
        let small = vec![1u8; 2 * 2 * 4];
        assembler.apply(&layout(ShmFormat::Rgba, 2, 2, 8, small.len()), &small, None).unwrap();
        let large = vec![9u8; 4 * 3 * 4];
        let damage = [PixelRect { x: 0, y: 0, width: 1, height: 1 }];
        assert_eq!(assembler.apply(&layout(ShmFormat::Rgba, 4, 3, 16, large.len()), &large, Some(&damage)), Ok(1));
        assert_eq!(assembler.image().unwrap().rgba, large);
    }

    #[test]
    fn private_regions_are_blanked_on_a_converted_frame() {
        let bytes = buffer(ShmFormat::Bgrx, 6, 4, 24);
        let mut assembler = FrameAssembler::new();
        assembler.apply(&layout(ShmFormat::Bgrx, 6, 4, 24, bytes.len()), &bytes, None).unwrap();
        let mut image = assembler.image().unwrap().clone();
        blank_regions(&mut image, &[PixelRect { x: 4, y: 2, width: 10, height: 10 }]);
        assert_eq!(pixel(&image, 5, 3), [0, 0, 0, 255]);
        assert_eq!(pixel(&image, 3, 3), [3, 3, 6, 255]);
        // The assembler keeps the real pixels for the next damage; only the copy was blanked.
        assert_eq!(pixel(assembler.image().unwrap(), 5, 3), [5, 3, 8, 255]);
    }
}
