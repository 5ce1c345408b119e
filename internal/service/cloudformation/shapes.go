package cloudformation

// Inputs carry `query` tags with CloudFormation's parameter names (lists as
// Name.member.N); outputs carry `xml` tags with its element names (lists as
// <Name><member>...</member></Name>).

// Parameter is a parameter value as CreateStack, UpdateStack and
// CreateChangeSet take it, and as DescribeStacks shows it.
type Parameter struct {
	ParameterKey     string `query:"ParameterKey" xml:"ParameterKey"`
	ParameterValue   string `query:"ParameterValue" xml:"ParameterValue"`
	UsePreviousValue bool   `query:"UsePreviousValue" xml:"-"`
	ResolvedValue    string `query:"-" xml:"ResolvedValue,omitempty"`
}

// Tag is a stack tag.
type Tag struct {
	Key   string `query:"Key" xml:"Key"`
	Value string `query:"Value" xml:"Value"`
}

type CreateStackInput struct {
	StackName           string      `query:"StackName,required"`
	TemplateBody        string      `query:"TemplateBody"`
	TemplateURL         string      `query:"TemplateURL"`
	UsePreviousTemplate bool        `query:"UsePreviousTemplate"`
	Parameters          []Parameter `query:"Parameters"`
	Capabilities        []string    `query:"Capabilities"`
	NotificationARNs    []string    `query:"NotificationARNs"`
	Tags                []Tag       `query:"Tags"`
	ClientRequestToken  string      `query:"ClientRequestToken"`
	DisableRollback     *bool       `query:"DisableRollback"`
	OnFailure           string      `query:"OnFailure"`
}

type CreateStackOutput struct {
	StackID string `xml:"StackId"`
}

type UpdateStackInput struct {
	StackName           string      `query:"StackName,required"`
	TemplateBody        string      `query:"TemplateBody"`
	TemplateURL         string      `query:"TemplateURL"`
	UsePreviousTemplate bool        `query:"UsePreviousTemplate"`
	Parameters          []Parameter `query:"Parameters"`
	Capabilities        []string    `query:"Capabilities"`
	NotificationARNs    *[]string   `query:"NotificationARNs"`
	Tags                []Tag       `query:"Tags"`
	ClientRequestToken  string      `query:"ClientRequestToken"`
	DisableRollback     *bool       `query:"DisableRollback"`
}

type UpdateStackOutput struct {
	StackID string `xml:"StackId"`
}

type DeleteStackInput struct {
	StackName       string   `query:"StackName,required"`
	RetainResources []string `query:"RetainResources"`
}

type Empty struct{}

type DescribeStacksInput struct {
	StackName string `query:"StackName"`
	NextToken string `query:"NextToken"`
}

type DescribeStacksOutput struct {
	Stacks []Stack `xml:"Stacks>member"`
}

// Stack is a stack as DescribeStacks shows it.
type Stack struct {
	StackID                     string      `xml:"StackId"`
	StackName                   string      `xml:"StackName"`
	ChangeSetID                 string      `xml:"ChangeSetId,omitempty"`
	Description                 string      `xml:"Description,omitempty"`
	Parameters                  []Parameter `xml:"Parameters>member,omitempty"`
	CreationTime                string      `xml:"CreationTime"`
	DeletionTime                string      `xml:"DeletionTime,omitempty"`
	LastUpdatedTime             string      `xml:"LastUpdatedTime,omitempty"`
	StackStatus                 string      `xml:"StackStatus"`
	StackStatusReason           string      `xml:"StackStatusReason,omitempty"`
	DisableRollback             bool        `xml:"DisableRollback"`
	NotificationARNs            []string    `xml:"NotificationARNs>member"`
	Capabilities                []string    `xml:"Capabilities>member,omitempty"`
	Outputs                     []Output    `xml:"Outputs>member,omitempty"`
	Tags                        []Tag       `xml:"Tags>member"`
	EnableTerminationProtection bool        `xml:"EnableTerminationProtection"`
	DriftStatus                 string      `xml:"DriftInformation>StackDriftStatus"`
}

// Output is a stack output.
type Output struct {
	OutputKey   string `xml:"OutputKey"`
	OutputValue string `xml:"OutputValue"`
	Description string `xml:"Description,omitempty"`
	ExportName  string `xml:"ExportName,omitempty"`
}

type ListStacksInput struct {
	StackStatusFilter []string `query:"StackStatusFilter"`
	NextToken         string   `query:"NextToken"`
}

type ListStacksOutput struct {
	StackSummaries []StackSummary `xml:"StackSummaries>member"`
}

type StackSummary struct {
	StackID             string `xml:"StackId"`
	StackName           string `xml:"StackName"`
	TemplateDescription string `xml:"TemplateDescription,omitempty"`
	CreationTime        string `xml:"CreationTime"`
	LastUpdatedTime     string `xml:"LastUpdatedTime,omitempty"`
	DeletionTime        string `xml:"DeletionTime,omitempty"`
	StackStatus         string `xml:"StackStatus"`
	StackStatusReason   string `xml:"StackStatusReason,omitempty"`
	DriftStatus         string `xml:"DriftInformation>StackDriftStatus"`
}

type DescribeStackEventsInput struct {
	StackName string `query:"StackName,required"`
	NextToken string `query:"NextToken"`
}

type DescribeStackEventsOutput struct {
	StackEvents []StackEvent `xml:"StackEvents>member"`
}

type StackEvent struct {
	StackID              string `xml:"StackId"`
	EventID              string `xml:"EventId"`
	StackName            string `xml:"StackName"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string `xml:"ResourceType"`
	Timestamp            string `xml:"Timestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
	ResourceProperties   string `xml:"ResourceProperties,omitempty"`
}

type DescribeStackResourceInput struct {
	StackName         string `query:"StackName,required"`
	LogicalResourceID string `query:"LogicalResourceId,required"`
}

type DescribeStackResourceOutput struct {
	StackResourceDetail StackResourceDetail `xml:"StackResourceDetail"`
}

type StackResourceDetail struct {
	StackName            string `xml:"StackName"`
	StackID              string `xml:"StackId"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string `xml:"ResourceType"`
	LastUpdatedTimestamp string `xml:"LastUpdatedTimestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
	DriftStatus          string `xml:"DriftInformation>StackResourceDriftStatus"`
}

type DescribeStackResourcesInput struct {
	StackName          string `query:"StackName"`
	LogicalResourceID  string `query:"LogicalResourceId"`
	PhysicalResourceID string `query:"PhysicalResourceId"`
}

type DescribeStackResourcesOutput struct {
	StackResources []StackResource `xml:"StackResources>member"`
}

type StackResource struct {
	StackName            string `xml:"StackName"`
	StackID              string `xml:"StackId"`
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string `xml:"ResourceType"`
	Timestamp            string `xml:"Timestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
	DriftStatus          string `xml:"DriftInformation>StackResourceDriftStatus"`
}

type ListStackResourcesInput struct {
	StackName string `query:"StackName,required"`
	NextToken string `query:"NextToken"`
}

type ListStackResourcesOutput struct {
	StackResourceSummaries []StackResourceSummary `xml:"StackResourceSummaries>member"`
}

type StackResourceSummary struct {
	LogicalResourceID    string `xml:"LogicalResourceId"`
	PhysicalResourceID   string `xml:"PhysicalResourceId,omitempty"`
	ResourceType         string `xml:"ResourceType"`
	LastUpdatedTimestamp string `xml:"LastUpdatedTimestamp"`
	ResourceStatus       string `xml:"ResourceStatus"`
	ResourceStatusReason string `xml:"ResourceStatusReason,omitempty"`
	DriftStatus          string `xml:"DriftInformation>StackResourceDriftStatus"`
}

type GetTemplateInput struct {
	StackName     string `query:"StackName"`
	ChangeSetName string `query:"ChangeSetName"`
	TemplateStage string `query:"TemplateStage"`
}

type GetTemplateOutput struct {
	TemplateBody    string   `xml:"TemplateBody"`
	StagesAvailable []string `xml:"StagesAvailable>member"`
}

type GetTemplateSummaryInput struct {
	StackName    string `query:"StackName"`
	TemplateBody string `query:"TemplateBody"`
	TemplateURL  string `query:"TemplateURL"`
}

type GetTemplateSummaryOutput struct {
	Parameters    []ParameterDeclaration `xml:"Parameters>member"`
	Description   string                 `xml:"Description,omitempty"`
	Capabilities  []string               `xml:"Capabilities>member,omitempty"`
	ResourceTypes []string               `xml:"ResourceTypes>member"`
	Version       string                 `xml:"Version"`
}

type ParameterDeclaration struct {
	ParameterKey  string `xml:"ParameterKey"`
	DefaultValue  string `xml:"DefaultValue,omitempty"`
	ParameterType string `xml:"ParameterType"`
	NoEcho        bool   `xml:"NoEcho"`
	Description   string `xml:"Description,omitempty"`
}

type ValidateTemplateInput struct {
	TemplateBody string `query:"TemplateBody"`
	TemplateURL  string `query:"TemplateURL"`
}

type ValidateTemplateOutput struct {
	Parameters         []TemplateParameter `xml:"Parameters>member"`
	Description        string              `xml:"Description,omitempty"`
	Capabilities       []string            `xml:"Capabilities>member,omitempty"`
	CapabilitiesReason string              `xml:"CapabilitiesReason,omitempty"`
	DeclaredTransforms []string            `xml:"DeclaredTransforms>member"`
}

type TemplateParameter struct {
	ParameterKey string `xml:"ParameterKey"`
	DefaultValue string `xml:"DefaultValue,omitempty"`
	NoEcho       bool   `xml:"NoEcho"`
	Description  string `xml:"Description,omitempty"`
}

type ListExportsInput struct {
	NextToken string `query:"NextToken"`
}

type ListExportsOutput struct {
	Exports []Export `xml:"Exports>member"`
}

type Export struct {
	ExportingStackID string `xml:"ExportingStackId"`
	Name             string `xml:"Name"`
	Value            string `xml:"Value"`
}

type ListImportsInput struct {
	ExportName string `query:"ExportName,required"`
	NextToken  string `query:"NextToken"`
}

type ListImportsOutput struct {
	Imports []string `xml:"Imports>member"`
}

type CreateChangeSetInput struct {
	StackName           string      `query:"StackName,required"`
	TemplateBody        string      `query:"TemplateBody"`
	TemplateURL         string      `query:"TemplateURL"`
	UsePreviousTemplate bool        `query:"UsePreviousTemplate"`
	Parameters          []Parameter `query:"Parameters"`
	Capabilities        []string    `query:"Capabilities"`
	NotificationARNs    *[]string   `query:"NotificationARNs"`
	Tags                []Tag       `query:"Tags"`
	ClientRequestToken  string      `query:"ClientRequestToken"`
	ChangeSetName       string      `query:"ChangeSetName,required"`
	ChangeSetType       string      `query:"ChangeSetType"`
	Description         string      `query:"Description"`
	ClientToken         string      `query:"ClientToken"`
}

type CreateChangeSetOutput struct {
	ID      string `xml:"Id"`
	StackID string `xml:"StackId"`
}

type DescribeChangeSetInput struct {
	ChangeSetName string `query:"ChangeSetName,required"`
	StackName     string `query:"StackName"`
	NextToken     string `query:"NextToken"`
}

type DescribeChangeSetOutput struct {
	ChangeSetName    string      `xml:"ChangeSetName"`
	ChangeSetID      string      `xml:"ChangeSetId"`
	StackID          string      `xml:"StackId"`
	StackName        string      `xml:"StackName"`
	Description      string      `xml:"Description,omitempty"`
	Parameters       []Parameter `xml:"Parameters>member,omitempty"`
	CreationTime     string      `xml:"CreationTime"`
	ExecutionStatus  string      `xml:"ExecutionStatus"`
	Status           string      `xml:"Status"`
	StatusReason     string      `xml:"StatusReason,omitempty"`
	NotificationARNs []string    `xml:"NotificationARNs>member"`
	Capabilities     []string    `xml:"Capabilities>member,omitempty"`
	Tags             []Tag       `xml:"Tags>member,omitempty"`
	Changes          []Change    `xml:"Changes>member"`
	IncludeNested    bool        `xml:"IncludeNestedStacks"`
}

type Change struct {
	Type           string         `xml:"Type"`
	ResourceChange ResourceChange `xml:"ResourceChange"`
}

type ResourceChange struct {
	Action             string         `xml:"Action"`
	LogicalResourceID  string         `xml:"LogicalResourceId"`
	PhysicalResourceID string         `xml:"PhysicalResourceId,omitempty"`
	ResourceType       string         `xml:"ResourceType"`
	Replacement        string         `xml:"Replacement,omitempty"`
	Scope              []string       `xml:"Scope>member"`
	Details            []ChangeDetail `xml:"Details>member"`
}

type ChangeDetail struct {
	Target        ChangeTarget `xml:"Target"`
	Evaluation    string       `xml:"Evaluation"`
	ChangeSource  string       `xml:"ChangeSource"`
	CausingEntity string       `xml:"CausingEntity,omitempty"`
}

type ChangeTarget struct {
	Attribute          string `xml:"Attribute"`
	Name               string `xml:"Name,omitempty"`
	RequiresRecreation string `xml:"RequiresRecreation"`
}

type ExecuteChangeSetInput struct {
	ChangeSetName   string `query:"ChangeSetName,required"`
	StackName       string `query:"StackName"`
	DisableRollback *bool  `query:"DisableRollback"`
	ClientToken     string `query:"ClientRequestToken"`
}

type DeleteChangeSetInput struct {
	ChangeSetName string `query:"ChangeSetName,required"`
	StackName     string `query:"StackName"`
}

type ListChangeSetsInput struct {
	StackName string `query:"StackName,required"`
	NextToken string `query:"NextToken"`
}

type ListChangeSetsOutput struct {
	Summaries []ChangeSetSummary `xml:"Summaries>member"`
}

type ChangeSetSummary struct {
	StackID         string `xml:"StackId"`
	StackName       string `xml:"StackName"`
	ChangeSetID     string `xml:"ChangeSetId"`
	ChangeSetName   string `xml:"ChangeSetName"`
	ExecutionStatus string `xml:"ExecutionStatus"`
	Status          string `xml:"Status"`
	StatusReason    string `xml:"StatusReason,omitempty"`
	CreationTime    string `xml:"CreationTime"`
	Description     string `xml:"Description,omitempty"`
}

type ContinueUpdateRollbackInput struct {
	StackName       string   `query:"StackName,required"`
	ResourcesToSkip []string `query:"ResourcesToSkip"`
}
