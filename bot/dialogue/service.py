"""The service department's data as the dialogue needs it: who owns a machine, under which
contract, its maintenance schedule, and the parts with price, stock and lead time.

Built from the shared knowledge model (`core.knowledge`, the pack of ASSISTANT_KNOWLEDGE_DIR) and
the ticket catalogue, which already validates customers, sites and contract tiers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from core.knowledge.loader import default_knowledge
from core.knowledge.model import KnowledgeBase, Service
from tickets.catalog import Catalog, Customer, default_catalog


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
    service: Service
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
        """A contract tier's fields as written (name, hours, discount, ...)."""
        return dict(self.service.tiers[tier_id].fields)

    @property
    def warranty(self) -> dict[str, Any]:
        return dict(self.service.warranty)

    # -- parts -------------------------------------------------------------------------------
    def warehouse_for(self, region: str | None) -> str | None:
        return self.service.region_warehouse.get(region) if region else None

    def warehouse_name(self, warehouse_id: str) -> str:
        return self.service.warehouses.get(warehouse_id, warehouse_id)

    def parts_for(self, *, model: str | None = None, family: str | None = None
                  ) -> list[PartInfo]:
        return [p for p in self.parts.values()
                if (model is None or model in p.compatible_models)
                and (family is None or p.family == family)]


def service_data_from(knowledge: KnowledgeBase, catalog: Catalog) -> ServiceData:
    """The dialogue's view of a loaded knowledge pack and its ticket catalogue."""
    model_family: dict[str, str] = {}
    family_names: dict[str, str] = {}
    maintenance: dict[str, list[dict[str, Any]]] = {}
    parts: dict[str, PartInfo] = {}
    for family in knowledge.families.values():
        family_names[family.id] = family.name
        for model in family.models:
            model_family[model] = family.id
        maintenance[family.id] = [dict(task) for task in family.maintenance]
        for part in family.parts.values():
            parts[part.part_no] = PartInfo(
                part_no=part.part_no, family=family.id, name=part.name,
                compatible_models=part.compatible_models, price_eur=part.price_eur,
                stock=dict(part.stock), lead_time_days=float(part.lead_time_days))
    equipment: dict[str, dict[str, Any]] = {}
    for customer in knowledge.service.customers:
        for site in customer.sites:
            for item in site.equipment:
                equipment[item.serial_no] = {
                    "serial_no": item.serial_no, "model_id": item.model_id,
                    "install_date": item.install_date, "running_hours": item.running_hours,
                    "region": site.region}
    return ServiceData(catalog, knowledge.service, model_family, family_names, maintenance,
                       parts, equipment)


@lru_cache(maxsize=1)
def default_service_data() -> ServiceData:
    """The configured knowledge pack's (ASSISTANT_KNOWLEDGE_DIR), shared with the expert system
    and the ticket catalogue."""
    return service_data_from(default_knowledge(), default_catalog())
