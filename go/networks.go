package cloudconnexa

import (
	"context"
	"encoding/json"
)

// Page is one page of a list, as the API sends it.
type Page[T any] struct {
	Content          []T   `json:"content"`
	TotalElements    int64 `json:"totalElements"`
	TotalPages       int   `json:"totalPages"`
	NumberOfElements int   `json:"numberOfElements"`
	Page             int   `json:"page"`
	Size             int   `json:"size"`
}

// Network is a network of the WPC (the fields most callers use; the raw JSON from
// Client.Collection(FamilyNetworks) has them all).
type Network struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Egress            bool              `json:"egress"`
	InternetAccess    string            `json:"internetAccess,omitempty"`
	SystemSubnets     []string          `json:"systemSubnets,omitempty"`
	TunnelingProtocol string            `json:"tunnelingProtocol,omitempty"`
	GatewaysIDs       []string          `json:"gatewaysIds,omitempty"`
	Routes            []NetworkRoute    `json:"routes,omitempty"`
	Connectors        []json.RawMessage `json:"connectors,omitempty"`
}

// NetworkRoute is a subnet reachable through a network.
type NetworkRoute struct {
	ID          string `json:"id"`
	Type        string `json:"type,omitempty"`
	Subnet      string `json:"subnet"`
	Description string `json:"description"`
}

// RouteRequest is a route to create: Value is a CIDR.
type RouteRequest struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// ConnectorRequest is a connector to create with a network.
type ConnectorRequest struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	VPNRegionID string `json:"vpnRegionId"`
}

// NetworkCreate is the body of Networks.Create (Name is required).
type NetworkCreate struct {
	Name              string             `json:"name"`
	Description       string             `json:"description,omitempty"`
	Egress            *bool              `json:"egress,omitempty"`
	InternetAccess    string             `json:"internetAccess,omitempty"`
	TunnelingProtocol string             `json:"tunnelingProtocol,omitempty"`
	GatewaysIDs       []string           `json:"gatewaysIds,omitempty"`
	Routes            []RouteRequest     `json:"routes,omitempty"`
	Connectors        []ConnectorRequest `json:"connectors,omitempty"`
}

// NetworkUpdate is the body of Networks.Update (Name is required; empty fields are not sent).
type NetworkUpdate struct {
	Name              string   `json:"name"`
	Description       *string  `json:"description,omitempty"`
	Egress            *bool    `json:"egress,omitempty"`
	InternetAccess    string   `json:"internetAccess,omitempty"`
	TunnelingProtocol string   `json:"tunnelingProtocol,omitempty"`
	GatewaysIDs       []string `json:"gatewaysIds,omitempty"`
}

// Networks is the typed view of the networks family.
type Networks struct{ col *Collection }

// Networks returns the typed networks API.
func (c *Client) Networks() Networks { return Networks{c.Collection(FamilyNetworks)} }

// List returns one page of networks (page from 0, size 1..1000).
func (n Networks) List(ctx context.Context, page, size uint32) (*Page[Network], error) {
	b, err := n.col.List(ctx, page, size)
	if err != nil {
		return nil, err
	}
	var p Page[Network]
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, decodeError(err)
	}
	return &p, nil
}

// ListAll returns every network.
func (n Networks) ListAll(ctx context.Context) ([]Network, error) {
	b, err := n.col.ListAll(ctx)
	if err != nil {
		return nil, err
	}
	var all []Network
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, decodeError(err)
	}
	return all, nil
}

// Get returns one network (an error matching ErrNotFound when there is none).
func (n Networks) Get(ctx context.Context, id string) (*Network, error) {
	return decodeNetwork(n.col.Get(ctx, id))
}

// Create creates a network (with its routes and connectors, if any).
func (n Networks) Create(ctx context.Context, req NetworkCreate) (*Network, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return decodeNetwork(n.col.Create(ctx, body))
}

// Update updates a network.
func (n Networks) Update(ctx context.Context, id string, req NetworkUpdate) (*Network, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	return decodeNetwork(n.col.Update(ctx, id, body))
}

// Delete deletes a network and what it contains.
func (n Networks) Delete(ctx context.Context, id string) error {
	return n.col.Delete(ctx, id)
}

func decodeNetwork(b []byte, err error) (*Network, error) {
	if err != nil {
		return nil, err
	}
	var v Network
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, decodeError(err)
	}
	return &v, nil
}

func decodeError(err error) error {
	return &Error{Code: CodeDecode, Message: "cannot decode the library's JSON: " + err.Error()}
}
