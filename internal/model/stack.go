package model

import (
	"fmt"
	"time"
)

// CloudFormation's records. Snapshots do not index them: nothing the data
// plane or a controller serves reads a stack, so writing one recompiles
// nothing.

// Stack is a CloudFormation stack: what was asked for (template,
// parameters, tags, options), where its operation stands (Status), and
// the state of each of its resources. Every step of an operation is one
// write of this record with its event, so what a restart finds is what
// was acknowledged.
type Stack struct {
	ID           string // arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID
	Name         string
	Status       string
	StatusReason string `json:",omitempty"`
	Description  string `json:",omitempty"`
	Created      time.Time
	Updated      time.Time `json:",omitempty"`
	Deleted      time.Time `json:",omitempty"`

	StackConfig
	Outputs []StackOutput `json:",omitempty"`
	// Imports are the exports the stack's template imports, by name.
	Imports []string `json:",omitempty"`

	DisableRollback bool   `json:",omitempty"`
	OnFailure       string `json:",omitempty"` // ROLLBACK, DELETE, DO_NOTHING
	// Resources in an order where each follows what it depends on: the
	// template's, once an operation completes.
	Resources []*StackResource `json:",omitempty"`
	// Previous is what an update replaced, restored if it rolls back.
	Previous *StackGeneration `json:",omitempty"`
	// DeleteRequested asks for a delete once the operation under way
	// ends, as DeleteStack does when it finds one running.
	DeleteRequested bool `json:",omitempty"`
	// CancelRequested asks the update under way to stop and roll back
	// (CancelUpdateStack).
	CancelRequested bool `json:",omitempty"`
	// ChangeSetID is the change set the stack was last changed through.
	ChangeSetID string `json:",omitempty"`
	// Events counts the events written, numbering the next one.
	Events int
}

// StackConfig is what a create, an update or a change set asks for.
type StackConfig struct {
	Template     string
	Parameters   []StackParameter `json:",omitempty"`
	Tags         Tags             `json:",omitempty"`
	Capabilities []string         `json:",omitempty"`
	// NotificationARNs are the SNS topics the stack names, answered by
	// AWS::NotificationARNs; gatehouse serves no SNS and sends nothing.
	NotificationARNs []string `json:",omitempty"`
}

// StackGeneration is a stack's template and results before an update.
type StackGeneration struct {
	StackConfig
	Description string        `json:",omitempty"`
	Outputs     []StackOutput `json:",omitempty"`
	Imports     []string      `json:",omitempty"`
}

// StackParameter is one parameter value. NoEcho values are shown as ****.
type StackParameter struct {
	Key, Value string
	// ResolvedValue is an AWS::SSM::Parameter::Value<...> parameter's
	// value, read when the stack was created or updated.
	ResolvedValue string `json:",omitempty"`
	NoEcho        bool   `json:",omitempty"`
}

// StackOutput is one resolved output.
type StackOutput struct {
	Key, Value  string
	Description string `json:",omitempty"`
	ExportName  string `json:",omitempty"`
}

// StackResource is one resource of a stack and its state.
type StackResource struct {
	LogicalID string
	Type      string
	StackResourceState
	Status string
	Reason string `json:",omitempty"`
	// Updated is when Status last changed.
	Updated             time.Time
	DeletionPolicy      string `json:",omitempty"`
	UpdateReplacePolicy string `json:",omitempty"`

	// What an update in progress does to it: Add, Modify (in place),
	// Replace or Remove; empty when no update touches it.
	Action string `json:",omitempty"`
	// Prior is the resource as it was before a Modify or a Replace.
	Prior *StackResourceState `json:",omitempty"`
	// Discard is a replacement an update made and its rollback gave up,
	// deleted in the rollback's cleanup.
	Discard *StackResourceState `json:",omitempty"`
}

// StackResourceState is a made resource: its physical id (the value of
// Ref), attributes, and the resolved properties it was made with.
type StackResourceState struct {
	PhysicalID string         `json:",omitempty"`
	Attrs      map[string]any `json:",omitempty"`
	Props      map[string]any `json:",omitempty"`
}

func (Stack) Kind() string  { return "cfn-stack" }
func (s Stack) Key() string { return s.ID }

// Resource returns the stack's resource with the logical id, or nil.
func (s *Stack) Resource(logicalID string) *StackResource {
	for _, r := range s.Resources {
		if r.LogicalID == logicalID {
			return r
		}
	}
	return nil
}

// StackEvent is one line of a stack's history. Its Key, "stackID/NNNNNNNN",
// lists a stack's events oldest first with one prefix scan.
type StackEvent struct {
	StackID    string
	Seq        int
	ID         string
	StackName  string
	LogicalID  string
	PhysicalID string `json:",omitempty"`
	Type       string
	Status     string
	Reason     string `json:",omitempty"`
	Properties string `json:",omitempty"`
	Time       time.Time
}

func (StackEvent) Kind() string  { return "cfn-event" }
func (e StackEvent) Key() string { return fmt.Sprintf("%s/%08d", e.StackID, e.Seq) }

// ChangeSet is a planned change to a stack, kept until it is executed or
// deleted.
type ChangeSet struct {
	ID          string // arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/UUID
	Name        string
	StackID     string
	StackName   string
	Type        string // CREATE or UPDATE
	Description string `json:",omitempty"`
	Created     time.Time
	StackConfig
	Status          string
	StatusReason    string `json:",omitempty"`
	ExecutionStatus string
	// Changes are the plan's entries, as DescribeChangeSet lists them.
	Changes []ResourceChange `json:",omitempty"`
}

// ResourceChange is one entry of a change set.
type ResourceChange struct {
	Action      string // Add, Modify, Remove
	LogicalID   string
	PhysicalID  string `json:",omitempty"`
	Type        string
	Replacement string         `json:",omitempty"` // True, False, Conditional
	Scope       []string       `json:",omitempty"`
	Details     []ChangeDetail `json:",omitempty"`
}

// ChangeDetail is one property a Modify changes.
type ChangeDetail struct {
	Name               string
	RequiresRecreation string // Never, Conditionally, Always
	Evaluation         string // Static, Dynamic
	ChangeSource       string `json:",omitempty"` // DirectModification, ResourceReference, ParameterReference, ResourceAttribute
	CausingEntity      string `json:",omitempty"`
}

func (ChangeSet) Kind() string  { return "cfn-changeset" }
func (c ChangeSet) Key() string { return c.ID }
