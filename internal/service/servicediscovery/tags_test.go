package servicediscovery_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sd "github.com/aws/aws-sdk-go-v2/service/servicediscovery"
)

func TestTags(t *testing.T) {
	f := start(t)
	ns := f.httpNamespace(t, "shop")
	nsARN := "arn:aws:servicediscovery:us-east-1:000000000000:namespace/" + ns
	svc := f.service(t, &sd.CreateServiceInput{Name: aws.String("api"), NamespaceId: aws.String(ns), Tags: tags("tier", "web")})

	list := func(arn string) map[string]string {
		t.Helper()
		out, err := f.sd.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tg := range out.Tags {
			m[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
		}
		return m
	}
	for _, arn := range []string{nsARN, aws.ToString(svc.Arn)} {
		if _, err := f.sd.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String(arn), Tags: tags("team", "edge", "cost", "42")}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.sd.UntagResource(ctx, &sd.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"cost", "absent"}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := list(nsARN); len(got) != 1 || got["team"] != "edge" {
		t.Errorf("namespace tags = %v", got)
	}
	if got := list(aws.ToString(svc.Arn)); len(got) != 2 || got["tier"] != "web" || got["team"] != "edge" {
		t.Errorf("service tags = %v", got)
	}

	f.fails(t, "TooManyTagsException", func() error {
		_, err := f.sd.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String(nsARN), Tags: manyTags(50)})
		return err
	})
	f.fails(t, "ResourceNotFoundException", func() error {
		_, err := f.sd.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String(nsARN + "x"), Tags: tags("a", "b")})
		return err
	})
	f.fails(t, "ResourceNotFoundException", func() error {
		_, err := f.sd.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String("arn:aws:servicediscovery:eu-west-1:000000000000:namespace/" + ns), Tags: tags("a", "b")})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.TagResource(ctx, &sd.TagResourceInput{ResourceARN: aws.String(ns), Tags: tags("a", "b")})
		return err
	})
	f.fails(t, "InvalidInput", func() error {
		_, err := f.sd.UntagResource(ctx, &sd.UntagResourceInput{ResourceARN: aws.String(nsARN), TagKeys: []string{""}})
		return err
	})
	_, err := f.sd.ListTagsForResource(ctx, &sd.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:servicediscovery:us-east-1:000000000000:service/srv-aaaaaaaaaaaaaaaa")})
	wantCode(t, err, "ResourceNotFoundException")
}
