package stack

// pseudo are the pseudo parameters a template may Ref.
var pseudo = map[string]bool{
	"AWS::Region": true, "AWS::AccountId": true, "AWS::StackName": true, "AWS::StackId": true,
	"AWS::Partition": true, "AWS::URLSuffix": true, "AWS::NoValue": true, "AWS::NotificationARNs": true,
}
