"""The transmission graph read model: what a cluster's chain and a person's neighbourhood contain, names only
inside the reader's jurisdiction, the layered layout, the date window, and the node limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chihuy.accounts.roles import Role
from chihuy.cases import services
from chihuy.cases.graph import GraphPayload, cluster_graph, graph_csv_rows, graph_json, graph_limit, person_graph
from chihuy.core.errors import ApplicationError
from chihuy.places.models import Unit
from tests.cases.conftest import at
from tests.conftest import BAN_GIANG, BINH_LU, TAM_DUONG


@pytest.fixture
def chain(officer: Any, make_person: Any, report: Any, expose: Any) -> dict[str, Any]:
    """Bản Giang: F0 Một (case A) with F1 Hai (exposed 6/11) and F1 Năm of Bình Lư (7/11); Hai's contact Bốn
    is F2 (8/11); Sáu (case G, 9/11) was infected by A. A and G form a cluster."""
    f0 = make_person(full_name="Lò Văn Một")
    a = make_person(full_name="Lò Văn Hai")
    b = make_person(full_name="Lò Thị Năm", unit_path=BINH_LU)
    c = make_person(full_name="Lò Văn Bốn")
    g = make_person(full_name="Lò Văn Sáu")
    case_a = report(f0)
    e1 = expose(f0, a, exposure_at=at(6))
    e2 = expose(f0, b, exposure_at=at(7))
    e3 = expose(a, c, exposure_at=at(8))
    case_g = report(g, detected_at=at(9), sample_date=dt.date(2021, 11, 9), source_case_ids=[case_a.pk])
    cluster = services.cluster_create(
        actor=officer, name="Ổ dịch Bản Giang", unit=Unit.objects.get(path=BAN_GIANG), case_ids=[case_a.pk, case_g.pk]
    )
    return {
        "f0": f0,
        "a": a,
        "b": b,
        "c": c,
        "g": g,
        "case_a": case_a,
        "case_g": case_g,
        "cluster": cluster,
        "edges": (e1, e2, e3),
    }


def by_id(payload: GraphPayload) -> dict[str, Any]:
    return {n.id: n for n in payload.nodes}


def test_a_cluster_graph_holds_its_cases_their_classified_people_and_the_edges(officer: Any, chain: Any) -> None:
    payload = cluster_graph(actor=officer, cluster=chain["cluster"])

    f0, a, b, c, g = (chain[k].pk for k in ("f0", "a", "b", "c", "g"))
    ban_giang, binh_lu = (Unit.objects.get(path=p).name for p in (BAN_GIANG, BINH_LU))
    nodes = by_id(payload)
    assert (payload.truncated, payload.message) == (False, "")
    assert {k: (n.label, n.level, n.status, n.unit) for k, n in nodes.items()} == {
        f"p{f0}": (chain["case_a"].number, 0, "active", ban_giang),
        f"p{g}": (chain["case_g"].number, 0, "active", ban_giang),
        f"p{a}": ("Lò Văn Hai", 1, "pending", ban_giang),
        f"p{b}": (f"F1 #{b}", 1, "pending", binh_lu),
        f"p{c}": ("Lò Văn Bốn", 2, "pending", ban_giang),
    }
    e1, e2, e3 = chain["edges"]
    assert sorted((e.id, e.source, e.target, e.kind, e.setting, e.qualifies) for e in payload.edges) == sorted(
        [
            (f"k{e1.pk}", f"p{f0}", f"p{a}", "contact", "workplace", True),
            (f"k{e2.pk}", f"p{f0}", f"p{b}", "contact", "workplace", True),
            (f"k{e3.pk}", f"p{a}", f"p{c}", "contact", "workplace", True),
            (f"tp{f0}-p{g}", f"p{f0}", f"p{g}", "transmission", "", None),
        ]
    )
    assert next(e for e in payload.edges if e.id == f"k{e1.pk}").exposure_at == at(6)


def test_a_contact_is_kept_only_when_active_and_both_its_ends_are_in_the_graph(
    officer: Any, chain: Any, make_person: Any, report: Any, expose: Any
) -> None:
    a, b, c, g = (chain[k] for k in ("a", "b", "c", "g"))
    stranger = make_person(full_name="Lò Văn Lạ")  # classified by nobody
    other_f0 = make_person(full_name="Lò Văn Khác")
    report(other_f0)  # an F0 outside the cluster
    other_f1 = make_person(full_name="Lò Thị Bảy")
    expose(other_f0, other_f1)  # F1 of that other chain
    dropped = [
        expose(stranger, a),  # from outside into the graph
        expose(a, other_f1),  # from the graph into another chain (Bảy stays its F1)
        expose(other_f0, b),  # from another chain's F0 (Năm stays F1 of this one: not a lower level)
    ]
    cancelled = expose(c, a, exposure_at=at(8))
    services.contact_deactivate(actor=officer, contact=cancelled, reason="Nhập nhầm")
    loose = expose(g, c, exposure_at=at(9, 14), distance_m=5)  # from an F0 to an F2, not qualifying
    into_f0 = expose(c, g, exposure_at=at(9))  # into the second generation's F0

    payload = cluster_graph(actor=officer, cluster=chain["cluster"])

    contacts = {e.id: e for e in payload.edges if e.kind == "contact"}
    assert set(contacts) == {f"k{e.pk}" for e in (*chain["edges"], loose, into_f0)}
    assert not {f"k{e.pk}" for e in (*dropped, cancelled)} & set(contacts)
    kept = contacts[f"k{loose.pk}"]
    assert (kept.source, kept.target, kept.qualifies, kept.exposure_at) == (f"p{g.pk}", f"p{c.pk}", False, at(9, 14))
    assert kept.qualifies is False  # a boolean, written as false in the JSON
    edge = next(e for e in orjson.loads(graph_json(payload))["edges"] if e["id"] == f"k{loose.pk}")
    assert (edge["qualifies"], edge["exposure_at"]) == (False, "2021-11-09T07:00:00Z")


def test_the_layout_puts_each_generation_and_level_on_its_own_row(officer: Any, chain: Any) -> None:
    nodes = by_id(cluster_graph(actor=officer, cluster=chain["cluster"]))

    f0, a, b, c, g = (nodes[f"p{chain[k].pk}"] for k in ("f0", "a", "b", "c", "g"))
    # F0 of generation 1 on top; its F1 and the generation-2 case one row down; the F2 below them.
    assert f0.y < a.y == b.y == g.y < c.y
    assert len({a.x, b.x, g.x}) == 3


def test_the_layout_puts_a_contact_on_the_side_of_the_person_it_hangs_from(
    officer: Any, make_person: Any, report: Any, expose: Any
) -> None:
    # Without their parents, nodes of a layer are ordered by id: the F1 are given ids in the other order than their
    # F0, so that only the parent puts each under its own F0.
    people = sorted(
        (make_person(full_name=f"Lò Văn {n}") for n in ("Một", "Hai", "Ba", "Bốn")), key=lambda p: f"p{p.pk}"
    )
    left, right, right_f1, left_f1 = people
    cases = [report(left), report(right)]
    expose(left, left_f1)
    expose(right, right_f1)
    cluster = services.cluster_create(
        actor=officer, name="Ổ dịch hai nhánh", unit=Unit.objects.get(path=BAN_GIANG), case_ids=[c.pk for c in cases]
    )

    nodes = by_id(cluster_graph(actor=officer, cluster=cluster))

    x = {p: nodes[f"p{p.pk}"].x for p in people}
    assert x[left] < x[right] and x[left_f1] < x[right_f1]


def test_a_district_reader_sees_the_name_of_a_contact_in_another_commune(make_user: Any, chain: Any) -> None:
    district = make_user(Role.COMMANDER, TAM_DUONG)

    nodes = by_id(cluster_graph(actor=district, cluster=chain["cluster"]))

    assert nodes[f"p{chain['b'].pk}"].label == "Lò Thị Năm"


def test_another_commune_does_not_find_the_cluster(make_user: Any, chain: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        cluster_graph(actor=make_user(Role.HEALTH_OFFICER, BINH_LU), cluster=chain["cluster"])

    assert err.value.code == "not_found"


def test_a_role_without_case_view_is_refused(make_user: Any, chain: Any) -> None:
    with pytest.raises(ApplicationError) as err:
        cluster_graph(actor=make_user(Role.VACCINATOR), cluster=chain["cluster"])

    assert err.value.code == "permission_denied"


def test_the_date_window_filters_people_and_contacts_by_exposure_and_cases_by_detection(
    officer: Any, chain: Any
) -> None:
    payload = cluster_graph(actor=officer, cluster=chain["cluster"], date_from=dt.date(2021, 11, 7))

    f0, a, b, c, g = (chain[k].pk for k in ("f0", "a", "b", "c", "g"))
    _e1, e2, _e3 = chain["edges"]
    # Hai (exposed 6/11) drops out, and with him the edge to Bốn; Bốn (8/11) stays, unlinked.
    assert set(by_id(payload)) == {f"p{f0}", f"p{g}", f"p{b}", f"p{c}"}
    assert f"p{a}" not in by_id(payload)
    assert {e.id for e in payload.edges} == {f"k{e2.pk}", f"tp{f0}-p{g}"}

    only_9th = cluster_graph(
        actor=officer, cluster=chain["cluster"], date_from=dt.date(2021, 11, 9), date_to=dt.date(2021, 11, 9)
    )
    assert (set(by_id(only_9th)), only_9th.edges) == ({f"p{g}"}, [])


def test_a_graph_over_the_limit_is_not_built_and_says_why(officer: Any, chain: Any) -> None:
    payload = cluster_graph(actor=officer, cluster=chain["cluster"], max_nodes=4)

    assert (payload.nodes, payload.edges, payload.truncated) == ([], [], True)
    assert payload.message == "Sơ đồ có 5 nút, vượt giới hạn 4: hãy thu hẹp khoảng thời gian."


def test_the_limits_come_from_the_policy(db: Any) -> None:
    assert (graph_limit("screen"), graph_limit("api")) == (2000, 20000)


def test_the_cluster_graph_takes_a_fixed_number_of_queries(
    officer: Any, chain: Any, make_person: Any, expose: Any
) -> None:
    with CaptureQueriesContext(connection) as small:
        cluster_graph(actor=officer, cluster=chain["cluster"])
    for i in range(5):
        expose(chain["f0"], make_person(full_name=f"Lò Văn Thêm {i}", phone=f"09123450{i:02d}"))

    with CaptureQueriesContext(connection) as large:
        payload = cluster_graph(actor=officer, cluster=chain["cluster"])

    assert len(payload.nodes) == 10
    # policy, two counts, cases, links, people, the contacts between the graph's people, unit names.
    assert len(large) == len(small) == 8


def test_a_person_graph_walks_contacts_both_ways_up_to_the_hops(officer: Any, chain: Any) -> None:
    f0, a, b, c, g = (chain[k].pk for k in ("f0", "a", "b", "c", "g"))

    one = person_graph(actor=officer, person=chain["a"], hops=1)
    two = person_graph(actor=officer, person=chain["a"], hops=2)

    assert {k: (n.label, n.level) for k, n in by_id(one).items()} == {
        f"p{f0}": (chain["case_a"].number, 0),
        f"p{a}": ("Lò Văn Hai", 1),
        f"p{c}": ("Lò Văn Bốn", 2),
    }
    assert set(by_id(two)) == {f"p{f0}", f"p{a}", f"p{b}", f"p{c}"}
    assert {(e.source, e.target) for e in two.edges} == {(f"p{f0}", f"p{a}"), (f"p{f0}", f"p{b}"), (f"p{a}", f"p{c}")}
    assert f"p{g}" not in by_id(two)  # Sáu was infected by the F0 but no contact links him to anyone here


def test_a_person_graph_of_an_f0_shows_transmission_to_its_infectee_when_linked_by_contact(
    officer: Any, chain: Any, expose: Any
) -> None:
    expose(chain["f0"], chain["g"], exposure_at=at(7))

    payload = person_graph(actor=officer, person=chain["f0"], hops=1)

    f0, g = chain["f0"].pk, chain["g"].pk
    assert by_id(payload)[f"p{g}"].label == chain["case_g"].number
    assert (f"p{f0}", f"p{g}", "transmission") in {(e.source, e.target, e.kind) for e in payload.edges}


def test_the_csv_rows_name_both_ends_kind_setting_time_and_levels(officer: Any, chain: Any) -> None:
    rows = graph_csv_rows(cluster_graph(actor=officer, cluster=chain["cluster"]))

    b = chain["b"].pk
    assert rows[0] == [
        "Từ",
        "Đến",
        "Loại",
        "Bối cảnh",
        "Thời điểm tiếp xúc",
        "Đủ điều kiện F1",
        "Cấp (từ)",
        "Cấp (đến)",
    ]
    assert rows[1:] == [
        [chain["case_a"].number, "Lò Văn Hai", "Tiếp xúc", "Nơi làm việc", "06/11/2021 09:00", "Có", "F0", "F1"],
        [chain["case_a"].number, f"F1 #{b}", "Tiếp xúc", "Nơi làm việc", "07/11/2021 09:00", "Có", "F0", "F1"],
        ["Lò Văn Hai", "Lò Văn Bốn", "Tiếp xúc", "Nơi làm việc", "08/11/2021 09:00", "Có", "F1", "F2"],
        [chain["case_a"].number, chain["case_g"].number, "Lây truyền giữa ca bệnh", "", "", "", "F0", "F0"],
    ]
