"""Defaults, precedence and inheritance of rules (docs/rules.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from supvisors_ext.model import (
    DistributionRules,
    RunningFailureStrategies,
    StartingFailureStrategies,
    StartingStrategies,
)
from supvisors_ext.rules import ApplicationRules, ProgramRules, Rules, load_rules


def write(tmp_path: Path, body: str, name: str = "rules.xml") -> str:
    """Write `body` inside <root>: its first line is line 2 of the file."""
    path = tmp_path / name
    path.write_text(f"<root>\n{textwrap.dedent(body).strip()}\n</root>\n")
    return str(path)


def load(tmp_path: Path, body: str, **kwargs: StartingStrategies) -> Rules:
    return load_rules([write(tmp_path, body)], **kwargs)


def app(rules: Rules, group: str) -> ApplicationRules:
    application = rules.application_rules(group)
    assert application is not None, f"{group} is unmanaged"
    return application


# defaults


def test_no_file_means_nothing_managed() -> None:
    rules = load_rules([])
    assert rules.files == ()
    assert rules.warnings == []
    assert dict(rules.aliases) == {}
    assert rules.application_rules("any") is None
    assert rules.program_rules("any", "p") == ProgramRules()
    assert Rules().application_rules("x") is None


def test_application_defaults(tmp_path: Path) -> None:
    rules = load(tmp_path, "<application name='a'/>")
    application = app(rules, "a")
    assert application == ApplicationRules()
    assert application.as_dict() == {
        "managed": True,
        "distribution": "ALL_INSTANCES",
        "identifiers": ["*"],
        "start_sequence": 0,
        "stop_sequence": 0,
        "starting_strategy": "CONFIG",
        "starting_failure_strategy": "ABORT",
        "running_failure_strategy": "CONTINUE",
        "status_formula": "",
    }
    assert rules.warnings == []


def test_application_all_elements(tmp_path: Path) -> None:
    body = """
        <alias name="pair">h1,h2</alias>
        <application name="a">
          <operational_status>all('p.*')</operational_status>
          <running_failure_strategy>SHUTDOWN</running_failure_strategy>
          <starting_failure_strategy>CONTINUE</starting_failure_strategy>
          <starting_strategy>MOST_LOADED_NODE</starting_strategy>
          <stop_sequence>9</stop_sequence>
          <start_sequence>4</start_sequence>
          <identifiers>h0, pair, h1</identifiers>
          <distribution>SINGLE_NODE</distribution>
        </application>
    """
    application = app(load(tmp_path, body), "a")
    assert application.distribution is DistributionRules.SINGLE_NODE
    assert application.identifiers == ("h0", "h1", "h2")
    assert (application.start_sequence, application.stop_sequence) == (4, 9)
    assert application.starting_strategy is StartingStrategies.MOST_LOADED_NODE
    assert application.starting_failure_strategy is StartingFailureStrategies.CONTINUE
    assert application.running_failure_strategy is RunningFailureStrategies.SHUTDOWN
    assert application.operational_status is not None
    assert application.as_dict()["status_formula"] == "all('p.*')"
    assert application.as_dict()["identifiers"] == ["h0", "h1", "h2"]


def test_default_starting_strategy(tmp_path: Path) -> None:
    body = """
        <application name="a"/>
        <application name="b"><starting_strategy>CONFIG</starting_strategy></application>
    """
    rules = load(tmp_path, body, default_starting_strategy=StartingStrategies.LESS_LOADED)
    assert app(rules, "a").starting_strategy is StartingStrategies.LESS_LOADED
    # CONFIG is falsy (code 0) but written: it must not fall back to the default
    assert app(rules, "b").starting_strategy is StartingStrategies.CONFIG


def test_program_defaults_and_all_elements(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <programs>
            <program name="full">
              <running_failure_strategy>RESTART</running_failure_strategy>
              <starting_failure_strategy>CONTINUE</starting_failure_strategy>
              <expected_loading>33</expected_loading>
              <wait_exit>true</wait_exit>
              <required>true</required>
              <stop_sequence>1</stop_sequence>
              <start_sequence>5</start_sequence>
              <identifiers>x,y</identifiers>
            </program>
            <program name="empty"/>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("a", "full").as_dict() == {
        "identifiers": ["x", "y"],
        "start_sequence": 5,
        "stop_sequence": 1,
        "required": True,
        "wait_exit": True,
        "expected_loading": 33,
        "starting_failure_strategy": "CONTINUE",
        "running_failure_strategy": "RESTART",
    }
    assert rules.program_rules("a", "empty") == ProgramRules()
    assert rules.program_rules("a", "unknown") == ProgramRules()
    assert rules.program_rules("other", "full") == ProgramRules()  # unmanaged group


def test_unmatched_program_gets_application_strategies(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <starting_failure_strategy>STOP</starting_failure_strategy>
          <running_failure_strategy>RESTART_PROCESS</running_failure_strategy>
          <programs><program name="p"><start_sequence>2</start_sequence></program></programs>
        </application>
    """
    rules = load(tmp_path, body)
    expected = ProgramRules(
        starting_failure_strategy=StartingFailureStrategies.STOP,
        running_failure_strategy=RunningFailureStrategies.RESTART_PROCESS,
    )
    assert rules.program_rules("a", "q") == expected
    assert rules.program_rules("a", "p").starting_failure_strategy is StartingFailureStrategies.STOP
    assert rules.program_rules("a", "p").stop_sequence == 2


def test_stop_sequence_follows_final_start_sequence(tmp_path: Path) -> None:
    body = """
        <model name="m"><start_sequence>3</start_sequence></model>
        <model name="n"><stop_sequence>7</stop_sequence></model>
        <application name="a">
          <start_sequence>6</start_sequence>
          <programs>
            <program name="from_model"><reference>m</reference></program>
            <program name="overridden"><reference>m</reference><start_sequence>5</start_sequence>
            </program>
            <program name="stop_from_model"><reference>n</reference>
              <start_sequence>2</start_sequence></program>
          </programs>
        </application>
        <application name="b"><stop_sequence>0</stop_sequence><start_sequence>4</start_sequence>
        </application>
    """
    rules = load(tmp_path, body)
    assert app(rules, "a").stop_sequence == 6
    assert app(rules, "b").stop_sequence == 0
    assert rules.program_rules("a", "from_model").stop_sequence == 3
    assert rules.program_rules("a", "overridden").stop_sequence == 5
    assert rules.program_rules("a", "stop_from_model").stop_sequence == 7


# precedence of applications


def test_application_name_before_pattern(tmp_path: Path) -> None:
    body = """
        <application pattern="^scen2_srv_01$"><start_sequence>1</start_sequence></application>
        <application name="scen2_srv_01"><start_sequence>2</start_sequence></application>
        <application name="scen2_srv_01"><start_sequence>3</start_sequence></application>
    """
    rules = load(tmp_path, body)
    assert app(rules, "scen2_srv_01").start_sequence == 2
    [warning] = rules.warnings
    assert warning.line == 4
    assert warning.message == (
        f"application 'scen2_srv_01' is already defined at {rules.files[0]}:3: "
        "this element is ignored"
    )


def test_best_pattern_match(tmp_path: Path) -> None:
    body = """
        <application pattern=""><start_sequence>1</start_sequence></application>
        <application pattern="srv"><start_sequence>2</start_sequence></application>
        <application pattern="scen2_srv_"><start_sequence>3</start_sequence></application>
        <application pattern="_0\\d"><start_sequence>4</start_sequence></application>
        <application pattern="hci"><start_sequence>5</start_sequence></application>
        <application pattern="^x+"><start_sequence>6</start_sequence></application>
        <application pattern="xx"><start_sequence>7</start_sequence></application>
        <application pattern="tie_a|tie_b"><start_sequence>8</start_sequence></application>
        <application pattern="tie_b"><start_sequence>9</start_sequence></application>
        <application pattern="end$"><start_sequence>10</start_sequence></application>
    """
    rules = load(tmp_path, body)

    def start(group: str) -> int:
        return app(rules, group).start_sequence

    assert start("scen2_srv_01") == 3  # longest match wins whatever the order
    assert start("my_srv") == 2
    assert start("app_07") == 4
    assert start("scen2_hci_01") == 4  # '_0\d' (3) and 'hci' (3): tie, the earlier
    assert start("scen2_hci_x") == 5
    assert start("xxxx") == 6  # regex match length: 4 > 2
    assert start("xx") == 6  # tie at 2: the earlier
    assert start("tie_b") == 8  # tie: the earlier
    assert start("other") == 1  # only the catch-all
    assert start("end_not") == 1  # '$' anchors
    assert start("the_end") == 10


def test_no_catch_all_means_unmanaged(tmp_path: Path) -> None:
    rules = load(tmp_path, "<application pattern='^srv'/>")
    assert rules.application_rules("srv_1") is not None
    assert rules.application_rules("a_srv") is None


def test_duplicate_application_pattern_replaced_at_earlier_position(tmp_path: Path) -> None:
    body = """
        <application pattern="aa"><start_sequence>1</start_sequence></application>
        <application pattern="bb"><start_sequence>2</start_sequence></application>
        <application pattern="aa"><start_sequence>3</start_sequence></application>
    """
    rules = load(tmp_path, body)
    # 'aa' and 'bb' tie on 'aabb': the redefined 'aa' keeps the first position
    assert app(rules, "aabb").start_sequence == 3
    [warning] = rules.warnings
    assert warning.line == 4
    assert warning.message == (
        f"application pattern 'aa' is defined again: this element replaces the one at "
        f"{rules.files[0]}:2"
    )


def test_program_precedence(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <programs>
            <program pattern=""><expected_loading>1</expected_loading></program>
            <program pattern="view"><expected_loading>2</expected_loading></program>
            <program pattern="chart_view"><expected_loading>3</expected_loading></program>
            <program name="sensor_view"><expected_loading>4</expected_loading></program>
            <program name="sensor_view"><expected_loading>5</expected_loading></program>
            <program pattern="view"><expected_loading>6</expected_loading></program>
            <program pattern="sen"><expected_loading>7</expected_loading></program>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)

    def load_of(process: str) -> int:
        return rules.program_rules("a", process).expected_loading

    assert load_of("sensor_view") == 4  # earliest name, before any pattern
    assert load_of("chart_view") == 3
    assert load_of("map_view") == 6  # the redefined 'view'
    assert load_of("review") == 6
    assert load_of("sensor_control") == 7
    assert load_of("config") == 1
    assert [warning.line for warning in rules.warnings] == [8, 9]
    assert rules.warnings[0].message == (
        f"program 'sensor_view' is already defined at {rules.files[0]}:7: this element is ignored"
    )
    assert rules.warnings[1].message.startswith("program pattern 'view' is defined again")


def test_programs_of_the_chosen_application_only(tmp_path: Path) -> None:
    body = """
        <application pattern="srv">
          <programs><program name="p"><expected_loading>5</expected_loading></program></programs>
        </application>
        <application name="srv_1"/>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("srv_1", "p").expected_loading == 0
    assert rules.program_rules("srv_2", "p").expected_loading == 5


def test_results_are_cached(tmp_path: Path) -> None:
    rules = load(tmp_path, "<application pattern='a'/>")
    assert rules.application_rules("ab") is rules.application_rules("ab")
    assert rules.program_rules("ab", "p") is rules.program_rules("ab", "p")


# models and inheritance


def test_inheritance_order(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <starting_failure_strategy>STOP</starting_failure_strategy>
          <running_failure_strategy>RESTART_APPLICATION</running_failure_strategy>
          <programs>
            <program name="p">
              <reference>model_a</reference>
              <expected_loading>30</expected_loading>
            </program>
            <program name="q"><reference>model_b</reference></program>
          </programs>
        </application>
        <model name="model_a">
          <reference>model_b</reference>
          <expected_loading>20</expected_loading>
          <wait_exit>true</wait_exit>
          <running_failure_strategy>CONTINUE</running_failure_strategy>
        </model>
        <model name="model_b">
          <expected_loading>10</expected_loading>
          <wait_exit>false</wait_exit>
          <start_sequence>4</start_sequence>
          <identifiers>h1</identifiers>
          <starting_failure_strategy>ABORT</starting_failure_strategy>
        </model>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("a", "p") == ProgramRules(
        identifiers=("h1",),
        start_sequence=4,
        stop_sequence=4,
        wait_exit=True,
        expected_loading=30,
        starting_failure_strategy=StartingFailureStrategies.ABORT,
        running_failure_strategy=RunningFailureStrategies.CONTINUE,
    )
    assert rules.program_rules("a", "q") == ProgramRules(
        identifiers=("h1",),
        start_sequence=4,
        stop_sequence=4,
        expected_loading=10,
        starting_failure_strategy=StartingFailureStrategies.ABORT,
        running_failure_strategy=RunningFailureStrategies.RESTART_APPLICATION,
    )
    assert rules.warnings == []


def test_reference_in_referenced_model_is_ignored(tmp_path: Path) -> None:
    body = """
        <model name="a"><reference>b</reference><start_sequence>1</start_sequence></model>
        <model name="b">
          <reference>c</reference>
          <expected_loading>2</expected_loading>
        </model>
        <model name="c"><wait_exit>true</wait_exit></model>
        <application name="x">
          <programs>
            <program name="p"><reference>a</reference></program>
            <program name="q"><reference>a</reference></program>
            <program name="r"><reference>b</reference></program>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)
    for process in ("p", "q"):
        program = rules.program_rules("x", process)
        assert (program.start_sequence, program.expected_loading) == (1, 2)
        assert program.wait_exit is False
    assert rules.program_rules("x", "r").wait_exit is True  # b -> c is only two levels here
    # one warning, at the ignored <reference>, even though two programs reach it
    [warning] = rules.warnings
    assert warning.line == 4
    assert warning.message == (
        "reference to model 'c' in model 'b' is ignored: 'b' is itself referenced by "
        "model 'a' (two model levels at most)"
    )


def test_self_referencing_model(tmp_path: Path) -> None:
    body = """
        <model name="m">
          <reference>m</reference>
          <start_sequence>1</start_sequence>
        </model>
        <application name="x"><programs><program name="p"><reference>m</reference></program>
        </programs></application>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("x", "p").start_sequence == 1
    [warning] = rules.warnings
    assert warning.line == 3 and "reference to model 'm' in model 'm' is ignored" in str(
        warning.message
    )


def test_unknown_model(tmp_path: Path) -> None:
    body = """
        <model name="a">
          <reference>ghost_b</reference>
          <start_sequence>2</start_sequence>
        </model>
        <application name="x">
          <programs>
            <program name="p">
              <reference>ghost</reference>
              <expected_loading>5</expected_loading>
            </program>
            <program name="q"><reference>a</reference></program>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("x", "p").expected_loading == 5
    assert rules.program_rules("x", "q").start_sequence == 2
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (9, "reference to unknown model 'ghost' is ignored"),
        (3, "reference to unknown model 'ghost_b' is ignored"),
    ]


def test_model_warnings(tmp_path: Path) -> None:
    body = """
        <model><start_sequence>1</start_sequence></model>
        <model name="  "/>
        <model name="m" pattern="x"><start_sequence>1</start_sequence></model>
        <model name="m"><start_sequence>2</start_sequence></model>
        <application name="a"><programs><program name="p"><reference>m</reference></program>
        </programs></application>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("a", "p").start_sequence == 2  # the later definition
    path = rules.files[0]
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (2, "model without 'name' is ignored"),
        (3, "model without 'name' is ignored"),
        (4, "attribute 'pattern' of model 'm' is ignored"),
        (5, f"model 'm' is defined again: this definition replaces the one at {path}:4"),
    ]


def test_models_and_aliases_are_order_independent(tmp_path: Path) -> None:
    body = """
        <application name="a">
          <identifiers>later</identifiers>
          <programs><program name="p"><reference>later_model</reference></program></programs>
        </application>
        <model name="later_model"><identifiers>later</identifiers></model>
        <alias name="later">h1,h2</alias>
    """
    rules = load(tmp_path, body)
    assert app(rules, "a").identifiers == ("h1", "h2")
    assert rules.program_rules("a", "p").identifiers == ("h1", "h2")


# adjustments and their warnings


def test_required_with_start_sequence_zero(tmp_path: Path) -> None:
    body = """
        <model name="m"><required>true</required></model>
        <application name="a">
          <programs>
            <program name="p"><required>true</required></program>
            <program pattern="q"><reference>m</reference></program>
            <program name="r"><reference>m</reference><start_sequence>1</start_sequence></program>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)
    assert rules.program_rules("a", "p").required is False
    assert rules.program_rules("a", "q").required is False
    assert rules.program_rules("a", "r").required is True
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (
            5,
            "program 'p' of application 'a': 'required' is forced to false because "
            "start_sequence is 0",
        ),
        (
            6,
            "program pattern 'q' of application 'a': 'required' is forced to false because "
            "start_sequence is 0",
        ),
    ]


def test_signs_in_programs(tmp_path: Path) -> None:
    body = """
        <alias name="backs">b1,b2</alias>
        <model name="hashed"><identifiers>#,backs</identifiers></model>
        <application pattern="^app">
          <programs>
            <program pattern="^worker_"><identifiers>#,backs</identifiers></program>
            <program pattern="^single_"><identifiers>b3,@,backs</identifiers></program>
            <program pattern="^both_"><identifiers>#,@,b1</identifiers></program>
            <program pattern="^star_"><identifiers>b1,*,b2</identifiers></program>
            <program name="named"><identifiers>#,b1</identifiers></program>
            <program name="named_model"><reference>hashed</reference></program>
          </programs>
        </application>
    """
    rules = load(tmp_path, body)

    def identifiers(process: str) -> tuple[str, ...]:
        return rules.program_rules("app_1", process).identifiers

    assert identifiers("worker_1") == ("#", "b1", "b2")
    assert identifiers("single_1") == ("@", "b3", "b1", "b2")
    assert identifiers("both_1") == ("@", "b1")
    assert identifiers("star_1") == ("*",)
    assert identifiers("named") == ("*",)
    assert identifiers("named_model") == ("*",)
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (
            8,
            "program pattern '^both_' of application pattern '^app': '#' and '@' are both used "
            "in identifiers: '#' is dropped",
        ),
        (
            10,
            "program 'named' of application pattern '^app': '#' is only allowed in "
            "<program pattern=...>: identifiers reset to '*'",
        ),
        (
            11,
            "program 'named_model' of application pattern '^app': '#' is only allowed in "
            "<program pattern=...>: identifiers reset to '*'",
        ),
    ]


def test_at_sign_at_application_level(tmp_path: Path) -> None:
    rules = load(tmp_path, "<application name='a'><identifiers>@,h1</identifiers></application>")
    assert app(rules, "a").identifiers == ("h1",)
    [warning] = rules.warnings
    assert (
        warning.message == "application 'a': '@' is not applicable to an application: it is ignored"
    )


def test_hash_at_application_level(tmp_path: Path) -> None:
    body = """
        <alias name="anywhere">front,backend</alias>
        <alias name="front">web_1,web_2</alias>
        <application pattern="^report">
          <distribution>SINGLE_INSTANCE</distribution>
          <identifiers>#,anywhere</identifiers>
          <start_sequence>2</start_sequence>
        </application>
        <application pattern="^stop">
          <identifiers>#</identifiers>
          <start_sequence>2</start_sequence>
          <stop_sequence>5</stop_sequence>
        </application>
        <application name="named">
          <identifiers>#</identifiers>
          <start_sequence>3</start_sequence>
        </application>
    """
    rules = load(tmp_path, body)
    # a named application is checked at load time
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (
            14,
            "application 'named': '#' needs a name ending with -N or _N (N >= 1): "
            "its identifiers are emptied and its start_sequence forced to 0",
        )
    ]
    named = app(rules, "named")
    assert (named.identifiers, named.start_sequence, named.stop_sequence) == ((), 0, 0)
    report = app(rules, "report_2")
    assert report.identifiers == ("#", "web_1", "web_2", "backend")
    assert (report.start_sequence, report.stop_sequence) == (2, 2)
    assert app(rules, "report-01").identifiers[0] == "#"
    # a pattern application is checked per group, when it is matched: one warning per group
    bad = app(rules, "report")
    assert (bad.identifiers, bad.start_sequence, bad.stop_sequence) == ((), 0, 0)
    assert app(rules, "report") is bad
    assert app(rules, "report_0").identifiers == ()
    assert [warning.message.split(":")[0] for warning in rules.warnings[1:]] == [
        "application 'report'",
        "application 'report_0'",
    ]
    stop = app(rules, "stop_it")
    assert (stop.identifiers, stop.start_sequence, stop.stop_sequence) == ((), 0, 5)


# aliases


def test_alias_warnings_and_expansion(tmp_path: Path) -> None:
    body = """
        <alias name="servers">s1,s2</alias>
        <alias name="servers">s3 , s1</alias>
        <alias name="empty"> , </alias>
        <alias name="servers"></alias>
        <alias name="all">servers,consoles,s3</alias>
        <alias name="consoles">c1</alias>
        <application name="a"><identifiers>all,empty</identifiers></application>
    """
    rules = load(tmp_path, body)
    path = rules.files[0]
    assert dict(rules.aliases) == {
        "servers": ("s3", "s1"),
        "all": ("s3", "s1", "c1"),
        "consoles": ("c1",),
    }
    # an ignored empty alias does not hide the earlier definition; its name stays literal
    assert app(rules, "a").identifiers == ("s3", "s1", "c1", "empty")
    assert [(warning.line, warning.message) for warning in rules.warnings] == [
        (4, "alias 'empty' is empty: it is ignored"),
        (5, "alias 'servers' is empty: it is ignored"),
        (3, f"alias 'servers' is defined again: this definition replaces the one at {path}:2"),
    ]
    assert rules.warnings[0].format_warning() == (
        f"rules file warning: {path}:4: alias 'empty' is empty: it is ignored"
    )


# several files


def test_multi_file_order(tmp_path: Path) -> None:
    first = write(
        tmp_path,
        """
        <alias name="hosts">h1</alias>
        <model name="m"><start_sequence>1</start_sequence></model>
        <application name="a">
          <programs><program name="p"><reference>m</reference></program></programs>
        </application>
        <application pattern="b"><start_sequence>1</start_sequence></application>
        """,
        "10-first.xml",
    )
    second = write(
        tmp_path,
        """
        <alias name="hosts">h2</alias>
        <model name="m"><start_sequence>2</start_sequence></model>
        <application name="a"><identifiers>hosts</identifiers></application>
        <application pattern="b"><start_sequence>2</start_sequence></application>
        <application pattern="c"><start_sequence>3</start_sequence></application>
        """,
        "20-second.xml",
    )
    rules = load_rules([first, second])
    assert rules.files == (first, second)
    # the earliest named application (first file), with the latest model and alias
    assert app(rules, "a").identifiers == ("*",)
    assert rules.program_rules("a", "p").start_sequence == 2
    assert rules.aliases["hosts"] == ("h2",)
    # the repeated pattern 'b' (second file) replaces the first one at its position
    assert app(rules, "b").start_sequence == 2
    assert app(rules, "bc").start_sequence == 2  # tie with 'c': 'b' is earlier
    assert sorted((Path(w.path).name, w.line) for w in rules.warnings) == [
        ("20-second.xml", 2),
        ("20-second.xml", 3),
        ("20-second.xml", 4),
        ("20-second.xml", 5),
    ]
    reversed_rules = load_rules([second, first])
    assert app(reversed_rules, "a").identifiers == ("h1",)
    assert reversed_rules.program_rules("a", "p").start_sequence == 0
    assert app(reversed_rules, "bc").start_sequence == 1


@pytest.mark.parametrize("group", ["scen2_srv_01", "x"])
def test_rules_objects_are_frozen(tmp_path: Path, group: str) -> None:
    rules = load(tmp_path, "<application pattern=''/>")
    application = app(rules, group)
    with pytest.raises(AttributeError):
        application.start_sequence = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        rules.aliases["x"] = ("y",)  # type: ignore[index]
