"""What the directory says about itself: an Active Directory DC or an OpenLDAP slapd, per persona."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from decnet.fleet.persona import Persona

#: AD's diagnostic for a wrong password on a simple bind (data 52e: bad password), NUL included.
AD_INVALID_CREDENTIALS = (
    "80090308: LdapErr: DSID-0C090447, comment: AcceptSecurityContext error, data 52e, v3839\x00"
)
#: AD's diagnostic for a failed SASL (NTLM/SPNEGO) bind.
AD_SASL_INVALID = (
    "8009030C: LdapErr: DSID-0C0906B5, comment: AcceptSecurityContext error, data 52e, v4563\x00"
)
#: AD's answer to an operation that needs a bind first.
AD_NEEDS_BIND = (
    "000004DC: LdapErr: DSID-0C090A5C, comment: In order to perform this operation a successful bind "
    "must be completed on the connection., data 0, v4563\x00"
)
AD_UNSUPPORTED_MECH = (
    "00002027: LdapErr: DSID-0C0905F9, comment: Unknown authentication mechanism, data 0, v4563\x00"
)

_AD_CONTROLS = [
    "1.2.840.113556.1.4.319",
    "1.2.840.113556.1.4.801",
    "1.2.840.113556.1.4.473",
    "1.2.840.113556.1.4.528",
    "1.2.840.113556.1.4.417",
    "1.2.840.113556.1.4.619",
    "1.2.840.113556.1.4.841",
    "1.2.840.113556.1.4.529",
    "1.2.840.113556.1.4.805",
    "1.2.840.113556.1.4.521",
    "1.2.840.113556.1.4.970",
    "1.2.840.113556.1.4.1338",
    "1.2.840.113556.1.4.474",
    "1.2.840.113556.1.4.1339",
    "1.2.840.113556.1.4.1340",
    "1.2.840.113556.1.4.1413",
    "2.16.840.1.113730.3.4.9",
    "2.16.840.1.113730.3.4.10",
    "1.2.840.113556.1.4.1504",
    "1.2.840.113556.1.4.1852",
    "1.2.840.113556.1.4.802",
    "1.2.840.113556.1.4.1907",
    "1.2.840.113556.1.4.1948",
    "1.2.840.113556.1.4.1974",
    "1.2.840.113556.1.4.1341",
    "1.2.840.113556.1.4.2026",
    "1.2.840.113556.1.4.2064",
    "1.2.840.113556.1.4.2065",
    "1.2.840.113556.1.4.2066",
    "1.2.840.113556.1.4.2090",
    "1.2.840.113556.1.4.2205",
    "1.2.840.113556.1.4.2204",
    "1.2.840.113556.1.4.2206",
    "1.2.840.113556.1.4.2211",
    "1.2.840.113556.1.4.2239",
    "1.2.840.113556.1.4.2255",
    "1.2.840.113556.1.4.2256",
    "1.2.840.113556.1.4.2309",
]
_AD_CAPABILITIES = [
    "1.2.840.113556.1.4.800",
    "1.2.840.113556.1.4.1670",
    "1.2.840.113556.1.4.1791",
    "1.2.840.113556.1.4.1935",
    "1.2.840.113556.1.4.2080",
    "1.2.840.113556.1.4.2237",
]
_AD_POLICIES = [
    "MaxPoolThreads",
    "MaxPercentDirSyncRequests",
    "MaxDatagramRecv",
    "MaxReceiveBuffer",
    "InitRecvTimeout",
    "MaxConnections",
    "MaxConnIdleTime",
    "MaxPageSize",
    "MaxBatchReturnMessages",
    "MaxQueryDuration",
    "MaxDirSyncDuration",
    "MaxTempTableSize",
    "MaxResultSetSize",
    "MinResultSets",
    "MaxResultSetsPerConn",
    "MaxNotificationPerConn",
    "MaxValRange",
    "MaxValRangeTransitive",
    "ThreadMemoryLimit",
    "SystemMemoryLimitPercent",
]
_OPENLDAP_CONTROLS = [
    "2.16.840.1.113730.3.4.18",
    "2.16.840.1.113730.3.4.2",
    "1.3.6.1.4.1.4203.1.10.1",
    "1.3.6.1.1.22",
    "1.2.840.113556.1.4.319",
    "1.2.826.0.1.3344810.2.3",
    "1.3.6.1.1.13.2",
    "1.3.6.1.1.13.1",
    "1.3.6.1.1.12",
]
_OPENLDAP_FEATURES = [
    "1.3.6.1.1.14",
    "1.3.6.1.4.1.4203.1.5.1",
    "1.3.6.1.4.1.4203.1.5.2",
    "1.3.6.1.4.1.4203.1.5.3",
    "1.3.6.1.4.1.4203.1.5.4",
    "1.3.6.1.4.1.4203.1.5.5",
]

Attributes = list[tuple[str, list[str]]]


def dn_of(domain: str, *, upper: bool) -> str:
    """``DC=corp,DC=local`` (AD style) or ``dc=corp,dc=local``."""
    key = "DC" if upper else "dc"
    return ",".join(f"{key}={label}" for label in domain.split(".") if label)


@dataclass(frozen=True, slots=True)
class Directory:
    """The server identity: flavour, names, versions and the rootDSE it shows."""

    flavour: str  #: "ad" | "openldap"
    persona: Persona
    domain: str
    base_dn: str
    site: str = "Default-First-Site-Name"
    starttls: bool = True

    @property
    def is_ad(self) -> bool:
        return self.flavour == "ad"

    @property
    def host(self) -> str:
        return self.persona.hostname.split(".", 1)[0]

    def root_dse(self, now: datetime | None = None) -> tuple[Attributes, Attributes]:
        """(user attributes, operational attributes) of the rootDSE."""
        return self._ad_root(now) if self.is_ad else self._openldap_root()

    def _ad_root(self, now: datetime | None) -> tuple[Attributes, Attributes]:
        base = self.base_dn
        config = f"CN=Configuration,{base}"
        server = f"CN={self.host},CN=Servers,CN={self.site},CN=Sites,{config}"
        usn = (
            12000
            + int.from_bytes(hashlib.sha256(self.persona.seed + b"ldap:usn").digest()[:3], "big") % 400000
        )
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S.0Z")
        attrs: Attributes = [
            ("domainFunctionality", ["7"]),
            ("forestFunctionality", ["7"]),
            ("domainControllerFunctionality", ["7"]),
            ("rootDomainNamingContext", [base]),
            ("ldapServiceName", [f"{self.domain}:{self.host.lower()}$@{self.domain.upper()}"]),
            ("isGlobalCatalogReady", ["TRUE"]),
            ("supportedSASLMechanisms", ["GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"]),
            ("supportedLDAPVersion", ["3", "2"]),
            ("supportedLDAPPolicies", list(_AD_POLICIES)),
            ("supportedControl", list(_AD_CONTROLS)),
            ("supportedCapabilities", list(_AD_CAPABILITIES)),
            ("subschemaSubentry", [f"CN=Aggregate,CN=Schema,{config}"]),
            ("serverName", [server]),
            ("schemaNamingContext", [f"CN=Schema,{config}"]),
            (
                "namingContexts",
                [
                    base,
                    config,
                    f"CN=Schema,{config}",
                    f"DC=DomainDnsZones,{base}",
                    f"DC=ForestDnsZones,{base}",
                ],
            ),
            ("isSynchronized", ["TRUE"]),
            ("highestCommittedUSN", [str(usn)]),
            ("dsServiceName", [f"CN=NTDS Settings,{server}"]),
            ("dnsHostName", [f"{self.host}.{self.domain}"]),
            ("defaultNamingContext", [base]),
            ("currentTime", [stamp]),
            ("configurationNamingContext", [config]),
        ]
        return attrs, []

    def _openldap_root(self) -> tuple[Attributes, Attributes]:
        extensions = ["1.3.6.1.4.1.1466.20037"] if self.starttls else []
        extensions += ["1.3.6.1.4.1.4203.1.11.1", "1.3.6.1.4.1.4203.1.11.3", "1.3.6.1.1.8"]
        user: Attributes = [("objectClass", ["top", "OpenLDAProotDSE"])]
        operational: Attributes = [
            ("structuralObjectClass", ["OpenLDAProotDSE"]),
            ("configContext", ["cn=config"]),
            ("namingContexts", [self.base_dn]),
            ("supportedControl", list(_OPENLDAP_CONTROLS)),
            ("supportedExtension", extensions),
            ("supportedFeatures", list(_OPENLDAP_FEATURES)),
            ("supportedLDAPVersion", ["3"]),
            ("supportedSASLMechanisms", ["DIGEST-MD5", "NTLM", "CRAM-MD5"]),
            ("entryDN", [""]),
            ("subschemaSubentry", ["cn=Subschema"]),
        ]
        return user, operational

    def base_entry(self) -> tuple[str, Attributes]:
        """The suffix entry an anonymous reader of a default Debian slapd sees."""
        first = self.base_dn.split(",", 1)[0].partition("=")[2]
        org = self.domain or first
        return self.base_dn, [
            ("objectClass", ["top", "dcObject", "organization"]),
            ("o", [org]),
            ("dc", [first]),
        ]


def select(
    attrs: Attributes, operational: Attributes, requested: tuple[str, ...], *, all_by_default: bool
) -> Attributes:
    """The attributes a search asked for (``*`` user, ``+`` operational, ``1.1`` none, names)."""
    wanted = {name.lower() for name in requested}
    if not wanted:
        return attrs + operational if all_by_default else list(attrs)
    if wanted == {"1.1"}:
        return []
    out: Attributes = []
    for name, values in attrs:
        if "*" in wanted or name.lower() in wanted:
            out.append((name, values))
    for name, values in operational:
        if "+" in wanted or name.lower() in wanted:
            out.append((name, values))
    return out
