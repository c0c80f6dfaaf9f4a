//! Tiếng Việt: labmate for the workshop's Vietnamese readers.

use super::Words;

pub const WORDS: Words = Words {
    lang_name: "Tiếng Việt",
    language: "Ngôn ngữ",
    tagline: "DynamoDB → Streams → Lambda → OpenSearch, theo dõi từng request",
    projector_mode: "Chế độ máy chiếu",
    clock_behind: |duration| {
        format!("Đồng hồ của bạn chậm hơn giờ AWS {duration}; labmate ký request theo giờ của AWS.")
    },
    clock_ahead: |duration| {
        format!(
            "Đồng hồ của bạn nhanh hơn giờ AWS {duration}; labmate ký request theo giờ của AWS."
        )
    },
    guide_title: "Làm theo chương, từng bước một",
    guide_progress: |done, total| format!("Đã xong {done}/{total} bước"),
    check_now: "Kiểm tra ngay",
    recheck_here: "Đang kiểm tra lại hàm Lambda, stream, role và trigger.",
    recheck_other_tab:
        "Một tab labmate khác đang theo dõi bài lab: tab đó sẽ tự kiểm tra lại trong vòng 30 giây.",
    step_function: "Tạo hàm Lambda xử lý stream",
    step_stream: "Bật stream của bảng",
    step_stream_policy: "Cho phép role đọc stream",
    step_aoss_policy: "Cho phép role gọi collection",
    step_trigger: "Nối stream với hàm Lambda",
    step_environment: "Cho hàm Lambda biết ghi dữ liệu vào đâu",
    step_test_post: "Gửi item thử",
    step_verify: "Theo dấu item đến index",
    step_explore: "Sửa và xoá một item",
    status_done: "đã xong",
    status_failed: "chưa xong: xem bên dưới",
    status_waiting: "đang chờ",
    status_cannot_check: |permission| format!("không kiểm tra được: cần quyền {permission}"),
    status_inferred: |status| format!("{status} (suy ra)"),
    status_regressed: |time| format!(" · đã xong, nhưng lỗi lại lúc {time}"),
    fix: "Cách sửa: ",
    what_labmate_saw: "Những gì labmate thấy",
    flow_ref: |id| format!("luồng #{id}"),
    problem_flow_stuck: |change, flow, reason| format!("{change} ({flow}): {reason}"),
    problem_trigger_not_enabled: |state| {
        format!("Trigger đang ở trạng thái {state}: hàm Lambda không được chạy.")
    },
    fix_trigger_not_enabled: "Bật trigger: Exports and streams → Triggers → chọn trigger → Enable.",
    problem_variable_wrong: |name, value, expected| {
        format!("{name} đang là {value}, không phải {expected}.")
    },
    fix_variable_wrong: |name, expected| format!("Đặt {name} thành {expected}."),
    stuck_trigger_off: |state| format!("Trigger đang ở trạng thái {state}: Lambda không được gọi."),
    fix_stuck_trigger_off: "Bật trigger (Lambda, Configuration, Triggers).",
    stuck_no_stream_record: |seconds| {
        format!("Không có bản ghi stream nào sau khi ghi {seconds} giây.")
    },
    fix_stuck_no_stream_record: |table| {
        format!("Kiểm tra stream của {table} đã bật chưa; một lần ghi không làm thay đổi gì thì không tạo bản ghi stream.")
    },
};
