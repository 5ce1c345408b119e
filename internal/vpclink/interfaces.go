package vpclink

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"gatehouse/internal/model"
	"gatehouse/internal/network"
)

// What the link's interfaces look like in EC2. The description is what AWS
// shows for them; the requester id is gatehouse's guess (AWS's is not known).
const (
	interfaceDescription = "ENI Managed by API Gateway"
	interfaceType        = "api_gateway_managed"
	requesterID          = "amazon-apigateway"
)

// Provision gives link one requester-managed interface per subnet, carrying
// the link's security groups, and marks it PENDING as of now. When the
// network no longer allows that (a subnet or group deleted while the link
// slept, a subnet without a free address) it marks the link FAILED with the
// reason and places nothing. It writes the interfaces, never the link: the
// caller puts the link in the same transaction, so both land together.
func Provision(tx model.Tx, link *model.VpcLink, now time.Time) error {
	link.StatusSince = now
	link.Interfaces = map[string]string{}
	subnets, reason, err := checkNetwork(tx, link)
	if err != nil {
		return err
	}
	var enis []*model.NetworkInterface
	for _, sn := range subnets {
		prefix, ok := network.ParseCIDR(sn.CidrBlock)
		if !ok {
			return fmt.Errorf("subnet %s has a bad CIDR %q", sn.ID, sn.CidrBlock)
		}
		taken, err := model.InterfacesInSubnet(tx, sn.ID)
		if err != nil {
			return err
		}
		addr, ok := network.NextFree(prefix, network.Addresses(taken))
		if !ok {
			reason = fmt.Sprintf("Failed to provision ENIs: subnet '%s' has no free IP address.", sn.ID)
			break
		}
		enis = append(enis, &model.NetworkInterface{
			ID:               "eni-" + randomHex(17),
			SubnetID:         sn.ID,
			VpcID:            sn.VpcID,
			AvailabilityZone: sn.AvailabilityZone,
			PrivateIP:        addr.String(),
			MacAddress:       newMAC(),
			Groups:           append([]string(nil), link.SecurityGroupIDs...),
			Description:      interfaceDescription,
			InterfaceType:    interfaceType,
			Status:           "in-use",
			RequesterManaged: true,
			RequesterID:      requesterID,
		})
	}
	if reason != "" {
		link.Status, link.StatusMessage = model.LinkFailed, reason
		return nil
	}
	for _, e := range enis {
		if err := model.Put(tx, e); err != nil {
			return err
		}
		link.Interfaces[e.SubnetID] = e.ID
	}
	link.Status, link.StatusMessage = model.LinkPending, model.LinkPendingMessage
	return nil
}

// checkNetwork finds the link's subnets and checks that they and its groups
// still exist in the link's VPC. A problem comes back as the status message
// of a FAILED link.
func checkNetwork(tx model.Tx, link *model.VpcLink) ([]*model.Subnet, string, error) {
	var subnets []*model.Subnet
	for _, id := range link.SubnetIDs {
		sn, ok, err := model.Get[model.Subnet](tx, id)
		if err != nil {
			return nil, "", err
		}
		if !ok || sn.VpcID != link.VpcID {
			return nil, fmt.Sprintf("Failed to provision ENIs: subnet '%s' does not exist in VPC '%s'.", id, link.VpcID), nil
		}
		subnets = append(subnets, sn)
	}
	for _, id := range link.SecurityGroupIDs {
		g, ok, err := model.Get[model.SecurityGroup](tx, id)
		if err != nil {
			return nil, "", err
		}
		if !ok || g.VpcID != link.VpcID {
			return nil, fmt.Sprintf("Failed to provision ENIs: security group '%s' does not exist in VPC '%s'.", id, link.VpcID), nil
		}
	}
	return subnets, "", nil
}

// Release deletes the link's interfaces, giving their addresses back to
// their subnets. The caller writes the link.
func Release(tx model.Tx, link *model.VpcLink) error {
	for _, id := range link.Interfaces {
		if err := model.Delete(tx, &model.NetworkInterface{ID: id}); err != nil {
			return err
		}
	}
	link.Interfaces = map[string]string{}
	return nil
}

// randomHex and newMAC make EC2-looking identifiers. api has the same
// helpers, but this package sits below the services' shared types.
func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	rand.Read(b) // never fails on supported platforms
	return hex.EncodeToString(b)[:n]
}

func newMAC() string {
	h := randomHex(10)
	return "02:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}
