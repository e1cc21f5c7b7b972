"""The service department's data as the dialogue needs it: who owns a machine, under which
contract, its maintenance schedule, and the parts with price, stock and lead time.

Built from the project's knowledge pack (knowledge/*.yml) and the ticket catalogue, which
already validates customers, sites and contract tiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from core.settings import get_settings
from tickets.catalog import Catalog, Customer, default_catalog

KNOWLEDGE_DIR = Path(__file__).resolve().parents[2] / "knowledge"


@dataclass(frozen=True)
class AssetInfo:
    """A machine as far as the conversation knows it; serial and customer only when given."""

    model: str
    family: str
    serial: str | None = None
    customer_id: str | None = None
    customer_name: str | None = None
    site_id: str | None = None
    site_name: str | None = None
    region: str | None = None
    tier: str | None = None
    install_date: date | None = None
    running_hours: int | None = None


@dataclass(frozen=True)
class PartInfo:
    part_no: str
    family: str
    name: str
    compatible_models: tuple[str, ...]
    price_eur: float
    stock: dict[str, int]
    lead_time_days: float


@dataclass
class ServiceData:
    catalog: Catalog
    service: dict[str, Any]
    model_family: dict[str, str]
    family_names: dict[str, str]
    maintenance: dict[str, list[dict[str, Any]]]
    parts: dict[str, PartInfo]
    equipment: dict[str, dict[str, Any]] = field(default_factory=dict)  # serial -> raw entry

    # -- machines --------------------------------------------------------------------------------
    def asset(self, *, serial: str | None = None, model: str | None = None) -> AssetInfo | None:
        """The machine of a serial number (with its owner), or just a model's family."""
        if serial:
            found = self._by_serial(serial)
            if found is not None:
                return found
        if model and model.upper() in self.model_family:
            model = model.upper()
            return AssetInfo(model=model, family=self.model_family[model])
        return None

    def _by_serial(self, serial: str) -> AssetInfo | None:
        serial = serial.upper()
        for customer in self.catalog.customers.values():
            asset = customer.assets.get(serial)
            if asset is None:
                continue
            raw = self.equipment.get(serial, {})
            site = customer.sites.get(asset.site_id)
            return AssetInfo(
                model=asset.model, family=asset.family, serial=serial,
                customer_id=customer.customer_id, customer_name=customer.name,
                site_id=asset.site_id, site_name=site.name if site else None,
                region=raw.get("region"), tier=customer.tier,
                install_date=raw.get("install_date"), running_hours=raw.get("running_hours"))
        return None

    def customer(self, customer_id: str) -> Customer | None:
        return self.catalog.customers.get(customer_id)

    # -- contracts ---------------------------------------------------------------------------
    def tier(self, tier_id: str) -> dict[str, Any]:
        return next(t for t in self.service["contract_tiers"] if t["id"] == tier_id)

    @property
    def warranty(self) -> dict[str, Any]:
        return dict(self.service.get("warranty") or {})

    # -- parts -------------------------------------------------------------------------------
    def warehouse_for(self, region: str | None) -> str | None:
        for entry in self.service.get("service_regions", []):
            if entry["id"] == region:
                return str(entry["warehouse"])
        return None

    def warehouse_name(self, warehouse_id: str) -> str:
        for entry in self.service.get("warehouses", []):
            if entry["id"] == warehouse_id:
                return str(entry["name"])
        return warehouse_id

    def parts_for(self, *, model: str | None = None, family: str | None = None
                  ) -> list[PartInfo]:
        return [p for p in self.parts.values()
                if (model is None or model in p.compatible_models)
                and (family is None or p.family == family)]


def load_service_data(knowledge_dir: Path = KNOWLEDGE_DIR,
                      catalog: Catalog | None = None) -> ServiceData:
    service = yaml.safe_load((knowledge_dir / "service.yml").read_text("utf-8"))
    model_family: dict[str, str] = {}
    family_names: dict[str, str] = {}
    maintenance: dict[str, list[dict[str, Any]]] = {}
    parts: dict[str, PartInfo] = {}
    for fam in service["meta"]["families"]:
        data = yaml.safe_load((knowledge_dir / fam["file"]).read_text("utf-8"))
        family_id = data["family"]["id"]
        family_names[family_id] = data["family"]["name"]
        for model in data.get("models", []):
            model_family[model["id"]] = family_id
        maintenance[family_id] = list(data.get("maintenance_schedule") or [])
        for part in data.get("parts") or []:
            parts[part["part_no"]] = PartInfo(
                part_no=part["part_no"], family=family_id, name=part["name"],
                compatible_models=tuple(part.get("compatible_models") or ()),
                price_eur=float(part.get("unit_price_eur") or 0),
                stock={str(k): int(v) for k, v in (part.get("stock") or {}).items()},
                lead_time_days=float(part.get("lead_time_days") or 0))
    equipment: dict[str, dict[str, Any]] = {}
    for customer in service.get("customers", []):
        for site in customer.get("sites", []):
            for item in site.get("equipment", []):
                equipment[item["serial_no"]] = {**item, "region": site.get("region")}
    return ServiceData(catalog or default_catalog(), service, model_family, family_names,
                       maintenance, parts, equipment)


@lru_cache(maxsize=1)
def default_service_data() -> ServiceData:
    """The configured knowledge pack's (ASSISTANT_KNOWLEDGE_DIR, as for the expert system)."""
    return load_service_data(get_settings().knowledge_dir)
