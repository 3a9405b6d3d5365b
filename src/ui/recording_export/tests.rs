//! The "Export video…" dialog through the accessibility tree: a rectangle added with the button
//! or drawn on the preview, Export emitting the order, progress, outcome and refusals in words.

use std::path::PathBuf;
use std::sync::Arc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

use super::*;

const WIDTH: u32 = 160;
const HEIGHT: u32 = 120;

fn source() -> VideoExportSource {
    VideoExportSource { ticket_id: TicketId(3), path: PathBuf::from("/d/recordings/7.swrec"), duration_ms: 30_000 }
}

fn preview() -> Picture {
    Picture { width: WIDTH, height: HEIGHT, rgba: Arc::new(vec![200; (WIDTH * HEIGHT * 4) as usize]) }
}

type State = (RecordingExportDialog, Vec<UiCommand>);

fn dialog(lang: Lang) -> Harness<'static, State> {
    let system_fonts = |ctx: &egui::Context| {
        ctx.add_font_provider(std::sync::Arc::new(egui_system_font_provider::SystemFontProvider::new()));
    };
    let mut dialog = RecordingExportDialog::new(source());
    dialog.preview_loaded(&source().path, Ok(preview()));
    Harness::builder().with_size(egui::vec2(760.0, 700.0)).with_context_setup(system_fonts).build_ui_state(
        move |ui, (dialog, commands): &mut State| {
            dialog.ui(ui, &mut ViewContext::new(lang, 0, commands));
        },
        (dialog, Vec::new()),
    )
}

fn orders(harness: &Harness<'_, State>) -> Vec<VideoExportOrder> {
    harness
        .state()
        .1
        .iter()
        .filter_map(|command| match command {
            UiCommand::Dialog(DialogCommand::ExportVideo(order)) => Some(order.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_rectangle_added_and_export_emits_the_order_then_shows_the_outcome() {
    let mut harness = dialog(Lang::En);
    harness.run();
    harness.get_by_label("Nothing is blacked out");
    harness.get_by_label("Recording: 30 s, picture 160×120");
    harness.get_by_label("Add rectangle").click();
    harness.run();
    harness.get_by_label("Rectangle 1");
    harness.get_by_label("WebM (VP9)").click();
    harness.get_by_label("Save as").focus();
    harness.get_by_label("Save as").type_text("/tmp/review");
    harness.run();
    harness.get_by_label("Export").click();
    harness.run();
    let [order] = orders(&harness).try_into().unwrap_or_else(|orders: Vec<_>| panic!("{orders:?}"));
    assert_eq!(order.out, PathBuf::from("/tmp/review.webm"), "the format's extension is added");
    assert_eq!(order.source, source());
    assert_eq!(order.request.format, VideoFormat::WebmVp9);
    assert_eq!(
        order.request.redactions,
        [Redaction { rect: RedactionRect { x: 40, y: 30, w: 80, h: 60 }, from_ms: 0, to_ms: 30_000 }]
    );

    harness.state_mut().0.progress(0.42);
    harness.run();
    harness.get_by_label("Cancel export").click();
    harness.run();
    assert!(
        harness.state().1.iter().any(|command| matches!(command, UiCommand::Dialog(DialogCommand::CancelVideoExport)))
    );
    harness.state_mut().0.finished(Ok(PathBuf::from("/tmp/review.webm")));
    harness.run();
    harness.get_by_label("Video written: /tmp/review.webm");
}

#[test]
fn a_rectangle_drawn_on_the_preview_is_in_remote_pixels() {
    let mut harness = dialog(Lang::En);
    harness.run();
    let picture = harness.get_by_label("Picture of the recording: drag on it to black out a rectangle").rect();
    // The 160×120 picture is shown at its own size (it fits): points are remote pixels.
    let from = picture.min + egui::vec2(10.0, 20.0);
    let to = picture.min + egui::vec2(50.0, 60.0);
    harness.hover_at(from);
    harness.run();
    harness.drag_at(from);
    harness.run();
    for step in 1..=4 {
        harness.hover_at(from + (to - from) * (step as f32 / 4.0));
        harness.run();
    }
    harness.drop_at(to);
    harness.run();
    let [drawn] = harness.state().0.redactions() else { panic!("{:?}", harness.state().0.redactions()) };
    assert_eq!(drawn.rect, RedactionRect { x: 10, y: 20, w: 40, h: 40 });
    assert_eq!((drawn.from_ms, drawn.to_ms), (0, 30_000), "over the whole recording until changed");
}

#[test]
fn refusals_and_a_missing_ffmpeg_are_said_in_chinese_and_nothing_is_emitted() {
    let mut harness = dialog(Lang::Zh);
    harness.run();
    harness.get_by_label("添加矩形").click();
    harness.run();
    harness.state_mut().0.redactions[0].rect.w = 500;
    harness.run();
    harness.get_by_label("矩形 1 超出了 160×120 的画面");
    harness.get_by_label("导出").click();
    harness.run();
    assert!(orders(&harness).is_empty(), "a refused request is not exported");

    harness.state_mut().0.redactions.clear();
    harness.run();
    harness.get_by_label("导出").click();
    harness.run();
    harness.get_by_label("请先输入文件路径");
    assert!(orders(&harness).is_empty(), "no path, no export");
    harness.state_mut().0.finished(Err(VideoExportProblem::FfmpegMissing));
    harness.run();
    harness.get_by_label("未安装 ffmpeg：请用“sudo apt install ffmpeg”安装（Debian、Ubuntu），然后重新导出");
}
