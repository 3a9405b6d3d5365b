//! The one translation table: every UI string in English and Simplified Chinese.

use crate::store::sla::SlaTarget;
use crate::store::{Category, Grade, Priority, Status};

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese (简体中文).
    Zh,
}

impl Lang {
    /// Every language, in menu order.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Zh];

    /// Stable code stored in settings.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Self> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// Picks the language for a POSIX or BCP-47 locale such as `zh_CN.UTF-8` or `en-US`.
    pub fn from_locale(locale: &str) -> Self {
        if locale.trim().to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En }
    }

    /// The language's own name, for the settings menu.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Zh => "简体中文",
        }
    }
}

macro_rules! texts {
    ($($key:ident => $en:literal, $zh:literal;)+) => {
        /// A translatable UI string.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Text { $(#[doc = $en] $key),+ }

        impl Text {
            /// Every string, for completeness tests.
            pub const ALL: &'static [Text] = &[$(Text::$key),+];

            /// The string in `lang`.
            pub fn get(self, lang: Lang) -> &'static str {
                match self { $(Text::$key => match lang { Lang::En => $en, Lang::Zh => $zh }),+ }
            }
        }
    };
}

texts! {
    AppTitle => "Stepwise", "Stepwise 远程支持台";
    NewTicket => "New ticket", "新建工单";
    Import => "Import…", "导入…";
    ExportJson => "Export JSON…", "导出 JSON…";
    ExportCsv => "Export CSV…", "导出 CSV…";
    Settings => "Settings", "设置";
    Search => "Search tickets", "搜索工单";
    SearchHint => "Search number, title, requester, text… (Ctrl+F)", "搜索编号、标题、报告人、描述…（Ctrl+F）";
    Filters => "Filters", "筛选";
    StatusLabel => "Status", "状态";
    PriorityLabel => "Priority", "优先级";
    CategoryLabel => "Category", "类别";
    AssigneeLabel => "Assignee", "处理人";
    SlaLabel => "SLA", "SLA";
    Any => "Any", "全部";
    OpenOnly => "Open only", "仅未解决";
    Unassigned => "Unassigned", "未分配";
    SlaAtRisk => "At risk or breached", "即将超时或已超时";
    SlaBreached => "Breached", "已超时";
    TicketCount => "{} tickets", "共 {} 个工单";
    Loading => "Loading…", "加载中…";
    NoMatches => "No tickets match.", "没有符合条件的工单。";
    ClearFilters => "Clear filters", "清除筛选";
    EmptyStoreTitle => "No tickets yet", "还没有工单";
    EmptyStoreBody => "Create the first ticket, or load sample tickets to try Stepwise.", "新建第一个工单，或加载示例工单来试用。";
    LoadSamples => "Load sample tickets", "加载示例工单";
    SelectTicket => "Select a ticket in the list, or create a new one (Ctrl+N).", "在左侧列表中选择工单，或新建工单（Ctrl+N）。";
    StoreFailedTitle => "The ticket database cannot be opened", "无法打开工单数据库";
    Retry => "Retry", "重试";
    // Ticket fields
    FieldTitle => "Title", "标题";
    FieldRequester => "Requester", "报告人";
    FieldDepartment => "Department", "部门";
    FieldContact => "Contact", "联系方式";
    FieldLocation => "Location", "地点";
    FieldSystem => "Affected system", "受影响系统";
    FieldVersion => "Version", "版本";
    FieldDescription => "Description (symptom, exact error text)", "问题描述（现象、错误原文）";
    FieldExpectation => "Expected outcome", "用户期望";
    FieldImpact => "Business impact", "业务影响";
    FieldUrgency => "Urgency", "紧迫度";
    FieldImpactGrade => "Impact", "影响范围";
    FieldReportedAt => "Reported", "报告时间";
    ReportedAtHint => "YYYY-MM-DD HH:MM, empty = now", "YYYY-MM-DD HH:MM，留空为现在";
    ReportedAtInvalid => "Use YYYY-MM-DD HH:MM, not in the future", "请按 YYYY-MM-DD HH:MM 填写，且不能晚于现在";
    FieldCreatedAt => "Opened", "创建时间";
    FieldTier => "Support tier", "支持级别";
    Required => "{} is required", "请填写{}";
    TooLong => "{} is too long", "{}过长";
    CreateTicket => "Create ticket", "创建工单";
    Cancel => "Cancel", "取消";
    SaveChanges => "Save changes", "保存修改";
    Revert => "Revert", "撤销修改";
    NewTicketHeading => "New ticket", "新建工单";
    PriorityFollows => "Priority (from urgency and impact): {}", "优先级（由紧迫度和影响范围得出）：{}";
    // Detail
    Details => "Details", "详细信息";
    Workflow => "Workflow", "处理流程";
    MoveTo => "Move to:", "转为：";
    AssignTo => "Assign to", "分配给";
    Assign => "Assign", "分配";
    AssignToMe => "Assign to me", "分配给我";
    Escalate => "Escalate", "升级";
    EscalationReason => "Reason for escalation (handover context)", "升级原因（交接说明）";
    Resolution => "Resolution", "解决方案";
    SaveResolution => "Save resolution", "保存解决方案";
    Satisfaction => "Satisfaction", "满意度";
    SatisfactionComment => "Requester's comment", "用户评价";
    RecordRating => "Record rating", "记录评分";
    Notes => "Internal notes", "内部备注";
    AddNote => "Add note", "添加备注";
    NoteHint => "Diagnosis steps, findings…", "诊断步骤、发现…";
    Timeline => "History", "处理记录";
    SlaResponseLeft => "Response due in {}", "{} 内需响应";
    SlaResolutionLeft => "Resolution due in {}", "{} 内需解决";
    SlaResponseOverdue => "Response overdue by {}", "响应已超时 {}";
    SlaResolutionOverdue => "Resolution overdue by {}", "解决已超时 {}";
    SlaPaused => "SLA paused (waiting on user)", "SLA 已暂停（等待用户）";
    SlaStopped => "SLA stopped", "SLA 已停止";
    Tier => "Tier {}", "{} 线";
    // Status, priority, category, grade names
    StatusNew => "New", "新建";
    StatusAssigned => "Assigned", "已分配";
    StatusInProgress => "In progress", "处理中";
    StatusWaiting => "Waiting on user", "等待用户";
    StatusResolved => "Resolved", "已解决";
    StatusClosed => "Closed", "已关闭";
    PriorityUrgent => "Urgent", "紧急";
    PriorityImportant => "Important", "重要";
    PriorityNormal => "Normal", "一般";
    CategoryHardware => "Hardware", "硬件";
    CategorySoftware => "Software", "软件";
    CategoryNetwork => "Network", "网络";
    CategoryDatabase => "Database", "数据库";
    CategoryAccount => "Account / access", "账号与权限";
    CategoryOther => "Other", "其他";
    GradeHigh => "High", "高";
    GradeMedium => "Medium", "中";
    GradeLow => "Low", "低";
    // Timeline entries
    EventCreated => "opened the ticket", "创建了工单";
    EventImported => "imported the ticket", "导入了工单";
    EventFieldChanged => "changed {}", "修改了{}";
    EventClassification => "changed the classification", "修改了分类";
    EventStatus => "moved it from {} to {}", "将状态从{}改为{}";
    EventAssignee => "assigned it to {}", "分配给 {}";
    EventEscalated => "escalated it to tier {}: {}", "升级到 {} 线：{}";
    EventNote => "added a note", "添加了备注";
    EventResolution => "set the resolution", "填写了解决方案";
    EventSatisfaction => "rated it {}/5", "评分 {}/5";
    Nobody => "nobody", "无人";
    // Profile and settings
    ProfileHeading => "Who is using this console?", "请填写您的工程师资料";
    ProfileBody => "Your name appears in ticket history and is what users see when you ask to share their screen.", "您的姓名会记录在工单历史中，并在请求共享屏幕时显示给用户。";
    ProfileName => "Your name", "姓名";
    ProfileTeam => "Team", "团队";
    Save => "Save", "保存";
    Language => "Language", "语言";
    FollowSystem => "Follow system", "跟随系统";
    DataFolder => "Data folder", "数据目录";
    SlaPolicy => "SLA targets (response / resolution)", "SLA 目标（响应 / 解决）";
    Close => "Close", "关闭";
    // Notices
    Created => "Created {}", "已创建 {}";
    Saved => "Saved", "已保存";
    SamplesLoaded => "Loaded {} sample tickets", "已加载 {} 个示例工单";
    Exported => "Exported {} tickets to {}", "已导出 {} 个工单到 {}";
    ImportedNotice => "Imported {} tickets ({} already present)", "已导入 {} 个工单（{} 个已存在）";
    Dismiss => "Dismiss", "关闭提示";
    Engineer => "Engineer", "工程师";
}

/// Fills `{}` placeholders in order.
pub fn fill(template: &str, args: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    let mut args = args.iter();
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(args.next().copied().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// Translated status name.
pub fn status_text(status: Status) -> Text {
    match status {
        Status::New => Text::StatusNew,
        Status::Assigned => Text::StatusAssigned,
        Status::InProgress => Text::StatusInProgress,
        Status::WaitingOnUser => Text::StatusWaiting,
        Status::Resolved => Text::StatusResolved,
        Status::Closed => Text::StatusClosed,
    }
}

/// Translated priority name.
pub fn priority_text(priority: Priority) -> Text {
    match priority {
        Priority::Urgent => Text::PriorityUrgent,
        Priority::Important => Text::PriorityImportant,
        Priority::Normal => Text::PriorityNormal,
    }
}

/// Translated category name.
pub fn category_text(category: Category) -> Text {
    match category {
        Category::Hardware => Text::CategoryHardware,
        Category::Software => Text::CategorySoftware,
        Category::Network => Text::CategoryNetwork,
        Category::Database => Text::CategoryDatabase,
        Category::Account => Text::CategoryAccount,
        Category::Other => Text::CategoryOther,
    }
}

/// Translated grade name.
pub fn grade_text(grade: Grade) -> Text {
    match grade {
        Grade::High => Text::GradeHigh,
        Grade::Medium => Text::GradeMedium,
        Grade::Low => Text::GradeLow,
    }
}

/// Translated label of an intake field by its stable name.
pub fn field_text(name: &str) -> Option<Text> {
    Some(match name {
        "title" => Text::FieldTitle,
        "requester_name" => Text::FieldRequester,
        "department" => Text::FieldDepartment,
        "contact" => Text::FieldContact,
        "location" => Text::FieldLocation,
        "affected_system" => Text::FieldSystem,
        "affected_version" => Text::FieldVersion,
        "description" => Text::FieldDescription,
        "expectation" => Text::FieldExpectation,
        "business_impact" => Text::FieldImpact,
        _ => return None,
    })
}

/// The countdown template for a deadline: (left, overdue).
pub fn sla_texts(target: SlaTarget) -> (Text, Text) {
    match target {
        SlaTarget::Response => (Text::SlaResponseLeft, Text::SlaResponseOverdue),
        SlaTarget::Resolution => (Text::SlaResolutionLeft, Text::SlaResolutionOverdue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_exists_in_both_languages_with_matching_placeholders() {
        for text in Text::ALL {
            let (en, zh) = (text.get(Lang::En), text.get(Lang::Zh));
            assert!(!en.is_empty() && !zh.is_empty(), "{text:?}");
            assert_eq!(en.matches("{}").count(), zh.matches("{}").count(), "{text:?}");
        }
    }

    #[test]
    fn locale_detection() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::Zh);
        assert_eq!(Lang::from_locale("zh-Hans"), Lang::Zh);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }

    #[test]
    fn fill_replaces_in_order() {
        assert_eq!(fill("{} of {}", &["1", "2"]), "1 of 2");
        assert_eq!(fill("none", &["x"]), "none");
        assert_eq!(fill("{} {}", &["only"]), "only ");
    }
}
