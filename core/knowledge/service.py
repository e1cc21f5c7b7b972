"""The service organisation (`knowledge/service.yml`): which family files make up the pack,
which ticket priority each error-code severity maps to, contract tiers, customers with their
sites and machines, the field engineers, warehouses, service regions and the warranty.

Here the file's shape is checked; the ticket catalogue checks what only it knows about (SLA
clocks and hours, the site calendar)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.knowledge.errors import KnowledgeError
from core.knowledge.model import (
    Contact,
    ContractTier,
    CustomerSite,
    Equipment,
    Service,
    ServiceCustomer,
    Technician,
)
from core.knowledge.reading import ident, read_yaml, require

FILE = "service.yml"


def read_service_file(root: Path) -> dict[str, Any]:
    """service.yml of the pack as parsed; empty when the pack has none (families only)."""
    path = root / FILE
    if not path.exists():
        return {}
    data = read_yaml(path, FILE) or {}
    if not isinstance(data, dict):
        raise KnowledgeError(FILE, "-", "top level must be a mapping")
    return data


def family_files(root: Path, service: dict[str, Any]) -> list[Path]:
    """The family files service.yml lists, else every other YAML file of the folder."""
    files = [f.get("file") for f in (service.get("meta") or {}).get("families") or []]
    if files:
        return [root / f for f in files if f]
    return sorted(p for p in root.glob("*.yml") if p.stem not in ("glossary", "service"))


def severity_priorities(service: dict[str, Any]) -> dict[str, str]:
    """error-code severity -> ticket priority, from the priorities' `maps_from`."""
    mapping: dict[str, str] = {}
    for priority in service.get("priorities") or []:
        for severity in (priority.get("maps_from") or {}).get("error_code_severity") or []:
            mapping[severity] = priority["id"]
    return mapping


def parse_service(service: dict[str, Any]) -> Service:
    """The typed service organisation."""
    tiers = {}
    for raw in service.get("contract_tiers") or []:
        entry = f"contract_tiers[{ident(raw, 'id')}]"
        tier_id = require(raw, "id", str, FILE, entry)
        tiers[tier_id] = ContractTier(
            id=tier_id, name=str(raw.get("name") or tier_id),
            sla_clock=str(raw.get("sla_clock") or ""),
            coverage_window=str(raw.get("coverage_window") or ""),
            response_time_h=dict(raw.get("response_time_h") or {}),
            resolution_target_h=dict(raw.get("resolution_target_h") or {}),
            fields=dict(raw))
    return Service(
        company=str((service.get("meta") or {}).get("company") or ""),
        tiers=tiers,
        customers=tuple(_customer(raw) for raw in service.get("customers") or []),
        technicians=tuple(_technician(raw) for raw in service.get("technicians") or []),
        warehouses={str(w["id"]): str(w["name"]) for w in service.get("warehouses") or []},
        region_warehouse={str(r["id"]): str(r["warehouse"])
                          for r in service.get("service_regions") or []},
        warranty=dict(service.get("warranty") or {}))


def _technician(raw: Any) -> Technician:
    entry = f"technicians[{ident(raw, 'id')}]"
    return Technician(id=require(raw, "id", str, FILE, entry),
                      name=require(raw, "name", str, FILE, entry),
                      region=raw.get("region"),
                      languages=tuple(str(x) for x in raw.get("languages") or ()),
                      email=raw.get("email"), on_call=bool(raw.get("on_call")))


def _customer(raw: Any) -> ServiceCustomer:
    entry = f"customers[{ident(raw, 'customer_id')}]"
    sites = []
    for site in raw.get("sites") or []:
        where = f"{entry}.sites[{ident(site, 'site_id')}]"
        equipment = []
        for item in site.get("equipment") or []:
            equipment.append(Equipment(
                serial_no=require(item, "serial_no", str, FILE, where),
                model_id=require(item, "model_id", str, FILE, where),
                install_date=item.get("install_date"), running_hours=item.get("running_hours")))
        sites.append(CustomerSite(site_id=require(site, "site_id", str, FILE, where),
                                  name=require(site, "name", str, FILE, where),
                                  region=site.get("region"), equipment=tuple(equipment)))
    return ServiceCustomer(
        customer_id=require(raw, "customer_id", str, FILE, entry),
        name=require(raw, "name", str, FILE, entry),
        country=require(raw, "country", str, FILE, entry),
        language=str(raw.get("language") or "en"),
        contract_tier=require(raw, "contract_tier", str, FILE, entry),
        sites=tuple(sites), contact=_contact(raw.get("contact"), entry))


def _contact(raw: Any, entry: str) -> Contact | None:
    if raw is None:
        return None
    where = f"{entry}.contact"
    contact = Contact(name=require(raw, "name", str, FILE, where),
                      email=raw.get("email"), phone=raw.get("phone"))
    if not (contact.email or contact.phone):
        raise KnowledgeError(FILE, where, "an e-mail address or a phone number is needed")
    return contact
