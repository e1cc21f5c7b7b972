"""Who the service desk knows (the service data of the knowledge pack):

GET /api/v1/technicians     the engineers tickets are assigned to (staff)
GET /api/v1/customers       customers with their sites and units (staff: all; a customer: itself)

The console's assignee and customer pickers read these, so a ticket names an engineer of the
list by id, never free text."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from api.auth.dependencies import AnyActor, Staff
from api.deps import get_catalog
from core.knowledge.loader import default_knowledge
from tickets.catalog import Catalog

router = APIRouter(prefix="/api/v1", tags=["directory"])
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


class TechnicianOut(BaseModel):
    id: str
    name: str
    region: str | None
    languages: list[str]


class UnitOut(BaseModel):
    serial: str
    model: str
    family: str
    site_id: str


class SiteOut(BaseModel):
    site_id: str
    name: str
    country: str
    time_zone: str


class CustomerOut(BaseModel):
    customer_id: str
    name: str
    country: str
    language: str
    contract_tier: str
    sites: list[SiteOut]
    units: list[UnitOut]


@router.get("/technicians", response_model=list[TechnicianOut],
            summary="The service desk's engineers (assignees of tickets)")
async def technicians(_: Staff) -> list[TechnicianOut]:
    return [TechnicianOut(id=t.id, name=t.name, region=t.region, languages=list(t.languages))
            for t in default_knowledge().service.technicians]


@router.get("/customers", response_model=list[CustomerOut],
            summary="Customers, their sites and units (customers: their own)")
async def customers(actor: AnyActor, catalog: CatalogDep) -> list[CustomerOut]:
    shown = [c for c in catalog.customers.values()
             if actor.is_staff or actor.role == "assistant"
             or (actor.role == "customer" and c.customer_id == actor.customer_id)]
    return [CustomerOut(
        customer_id=c.customer_id, name=c.name, country=c.country, language=c.language,
        contract_tier=c.tier,
        sites=[SiteOut(site_id=s.site_id, name=s.name, country=s.country, time_zone=s.time_zone)
               for s in c.sites.values()],
        units=[UnitOut(serial=a.serial, model=a.model, family=a.family, site_id=a.site_id)
               for a in c.assets.values()]) for c in sorted(shown, key=lambda c: c.customer_id)]
