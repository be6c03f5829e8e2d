package report

// The SARIF 2.1.0 objects this report writes, as plain structs so that key
// order is fixed and encoding is deterministic. Every optional field is
// omitted when empty: nothing is written for a default value (no -1 index,
// no empty array or object as filler). Names follow the SARIF schema.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	// Results is always present, empty for a clean scan: SARIF asks for it
	// whenever the log describes an actual scan.
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	Version         string      `json:"version,omitempty"`
	SemanticVersion string      `json:"semanticVersion,omitempty"`
	InformationURI  string      `json:"informationUri"`
	Rules           []sarifRule `json:"rules,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name"`
	ShortDescription     sarifMultiformat   `json:"shortDescription"`
	FullDescription      *sarifMultiformat  `json:"fullDescription,omitempty"`
	Help                 *sarifMultiformat  `json:"help,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
	Properties           ruleProps          `json:"properties"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

// ruleProps are the rule properties GitHub code scanning reads:
// security-severity (a CVSS-like score as a string) ranks alerts, tags
// filter them. DefaultSeverity is the modelscan severity name.
type ruleProps struct {
	SecuritySeverity string   `json:"security-severity"`
	Tags             []string `json:"tags"`
	DefaultSeverity  string   `json:"defaultSeverity"`
}

type sarifMessage struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifMessage      `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          resultProps       `json:"properties"`
}

// resultProps carry what the JSON report says about a finding and SARIF has
// no field for. Offset is set only when it is not already the region's
// byteOffset (an offset inside an archive member or nested stream).
type resultProps struct {
	Severity string `json:"severity"`
	Source   string `json:"source,omitempty"`
	Member   string `json:"member,omitempty"`
	Module   string `json:"module,omitempty"`
	Operator string `json:"operator,omitempty"`
	Scanner  string `json:"scanner,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	// EvidenceTruncated is the full evidence length in bytes when Evidence
	// was cut short.
	EvidenceTruncated int    `json:"evidenceBytes,omitempty"`
	Offset            *int64 `json:"offset,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical         `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	ByteOffset int64 `json:"byteOffset"`
}

// sarifLogicalLocation names an archive member (or nested stream) inside
// the artifact: Name is its last path element, FullyQualifiedName the whole
// "outer:member" source.
type sarifLogicalLocation struct {
	Name               string `json:"name"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	Properties                 *invocationProps    `json:"properties,omitempty"`
}

type invocationProps struct {
	Incomplete bool `json:"incomplete,omitempty"` // the scan was interrupted
	Errors     int  `json:"errors,omitempty"`
	Skipped    int  `json:"skipped,omitempty"`
	Scanned    int  `json:"scanned"`
}

type sarifNotification struct {
	Level      string          `json:"level"`
	Message    sarifMessage    `json:"message"`
	Locations  []sarifLocation `json:"locations,omitempty"`
	Properties *notifProps     `json:"properties,omitempty"`
}

type notifProps struct {
	Category string `json:"category,omitempty"`
	Source   string `json:"source,omitempty"`
}
