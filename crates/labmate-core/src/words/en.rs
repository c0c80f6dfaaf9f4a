//! English: the words labmate was written in.

use super::Words;

pub const WORDS: Words = Words {
    lang_name: "English",
    language: "Language",
    tagline: "DynamoDB → Streams → Lambda → OpenSearch, request by request",
    projector_mode: "Projector mode",
    clock_behind: |duration| {
        format!("Your clock is {duration} behind AWS's; labmate signs with AWS's time.")
    },
    clock_ahead: |duration| {
        format!("Your clock is {duration} ahead of AWS's; labmate signs with AWS's time.")
    },
    guide_title: "The chapter, step by step",
    guide_progress: |done, total| format!("{done} of {total} steps done"),
    check_now: "Check now",
    recheck_here: "Checking the function, stream, role and trigger again now.",
    recheck_other_tab: "Another labmate tab reads the lab: it checks again on its own within 30 s.",
    step_function: "Create the stream function",
    step_stream: "Turn on the table's stream",
    step_stream_policy: "Let the role read the stream",
    step_aoss_policy: "Let the role call the collection",
    step_trigger: "Connect the stream to the function",
    step_environment: "Tell the function where to write",
    step_test_post: "Send the test item",
    step_verify: "Follow the item to the index",
    step_explore: "Change and delete an item",
    status_done: "done",
    status_failed: "not yet: see below",
    status_waiting: "waiting",
    status_cannot_check: |permission| format!("cannot check: needs {permission}"),
    status_inferred: |status| format!("{status} (inferred)"),
    status_regressed: |time| format!(" · was done, failed again at {time}"),
    fix: "Fix: ",
    what_labmate_saw: "What labmate saw",
    flow_ref: |id| format!("flow #{id}"),
    problem_flow_stuck: |change, flow, reason| format!("{change} ({flow}): {reason}"),
    problem_trigger_not_enabled: |state| {
        format!("The trigger is {state}: the function is not run.")
    },
    fix_trigger_not_enabled:
        "Turn the trigger on: Exports and streams → Triggers → select it → Enable.",
    problem_variable_wrong: |name, value, expected| format!("{name} is {value}, not {expected}."),
    fix_variable_wrong: |name, expected| format!("Set {name} to {expected}."),
    stuck_trigger_off: |state| format!("The trigger is {state}: the Lambda is not invoked."),
    fix_stuck_trigger_off: "Enable the trigger (Lambda, Configuration, Triggers).",
    stuck_no_stream_record: |seconds| format!("No stream record {seconds} s after the write."),
    fix_stuck_no_stream_record: |table| {
        format!("Check that {table}'s stream is on; a write that changes nothing makes no stream record.")
    },
};
