package cloudconnexa

// Results of the generated operations (ops_gen.go): JSON answers decoded into Go values.

import "encoding/json"

// boolResult decodes a JSON true/false answer.
func boolResult(b []byte, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	var v bool
	if err := json.Unmarshal(b, &v); err != nil {
		return false, decodeError(err)
	}
	return v, nil
}

// textResult decodes a JSON string answer.
func textResult(b []byte, err error) (string, error) {
	if err != nil {
		return "", err
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return "", decodeError(err)
	}
	return v, nil
}
